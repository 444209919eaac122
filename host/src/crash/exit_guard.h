/*
 * exit_guard.h -- a plugin that calls exit() (or returns from a thread's
 * start into exit) ends the process mid-operation; the crash guard cannot
 * see it, since no signal is raised.  Once installed, an exit() made while
 * the calling thread runs plugin code (plugin_guard.h) prints one line
 * (crash_message.h, dwhi_crash_format_exit) naming the plugin, its path,
 * the status and the operation, and ends the process with _exit(exit_code):
 * no further atexit handlers, no stdio flush, nothing half-done committed.
 * An exit() outside plugin code is left alone.
 *
 * Installed by processes that run one plugin operation for a supervisor
 * (`dwhost serve-worker`, host/serve/serve_worker.c), so the supervisor
 * can say what the plugin did.
 */
#ifndef DWHI_EXIT_GUARD_H
#define DWHI_EXIT_GUARD_H

/* Registers the handler (with on_exit; once per process, a later call only
 * changes exit_code).  Returns 0, -1 when it could not be registered. */
int dwhi_exit_guard_install(int exit_code);

#endif
