/*
 * action_args.h -- the arguments of one action call (ABI 1.8), bound from
 * what the caller gave (NAME=VALUE words from a command line, a JSON
 * object from an embedder or a request) to the action's declaration:
 * every argument named once, of its declared type, defaults applied,
 * with one line naming the argument and the expected type when not.
 */
#ifndef DWHI_ACTION_ARGS_H
#define DWHI_ACTION_ARGS_H

#include <json-c/json.h>
#include <stddef.h>

#include "dwsdk.h"

/* One value per declared argument, in declaration order: a JSON value that
 * fits the argument's type (dwhi_arg_json_fits), NULL for JSON null. */
typedef struct dwhi_action_args {
    json_object *values[DW_ACTION_MAX_ARGS]; /* owned */
    uint32_t n;
} dwhi_action_args;

/* The action of the normalised descriptor `src` named `name`, or NULL. */
const dw_action *dwhi_action_find(const dw_source *src, const char *name);

/* Binds `words` (n_words "NAME=VALUE" texts, borrowed; VALUE converted by
 * the declared type as dwhi_arg_from_text says) and `json_args` (a JSON
 * object {"NAME": value}, borrowed; may be NULL) to the arguments of `a`
 * (of source `source`, for messages).  Returns 0 with *out filled (clear
 * it with dwhi_action_args_clear), or -1 with *error a malloc'd line
 * (free()) such as
 *   github.list_repositories: argument 'limit' expects a whole number (int64), got 'ten'
 * for an unknown, repeated, missing or ill-typed argument. */
int dwhi_action_bind(const char *source, const dw_action *a, const char *const *words, size_t n_words,
                     json_object *json_args, dwhi_action_args *out, char **error);
void dwhi_action_args_clear(dwhi_action_args *args);

/* The actions of `src` as a new JSON array (caller puts):
 * [{"name", "description", "args": [{"name", "type", "description",
 * "required", "default"}]}], "default" being the declared JSON value. */
json_object *dwhi_actions_json(const dw_source *src);

#endif
