/*
 * shell_word.h -- one word quoted for a POSIX shell, for the commands
 * dwhost prints for a user to paste (resume a sync, cd to where it ran).
 * A self-contained helper the CLI shares with the library, as curl's tool
 * shares curlx.
 */
#ifndef DWHI_SHELL_WORD_H
#define DWHI_SHELL_WORD_H

#include <stdio.h>

/* Writes `s` to `out` as one shell word: as it is when it holds only
 * [A-Za-z0-9_./+:=@%-] (and is not empty), else single-quoted with each '
 * written as '\''. */
void dwhi_shell_word(FILE *out, const char *s);

#endif
