/* shell_word.c -- one word quoted for a POSIX shell (see shell_word.h). */
#include "shell_word.h"

#include <string.h>

void dwhi_shell_word(FILE *out, const char *s) {
    if (*s && s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-+:=@%")] == 0) {
        fputs(s, out);
        return;
    }
    fputc('\'', out);
    for (; *s; s++) {
        if (*s == '\'') fputs("'\\''", out);
        else fputc(*s, out);
    }
    fputc('\'', out);
}
