/*
 * action_value.h -- the value types of action arguments (dw_arg_type,
 * ABI 1.8) judged one way everywhere: the registry checks declared
 * defaults with it, the call converts the caller's arguments with it.
 */
#ifndef DWHI_ACTION_VALUE_H
#define DWHI_ACTION_VALUE_H

#include <json-c/json.h>
#include <stdint.h>

#include "dwsdk.h"

/* "int64", "double", "bool", "string", "json"; NULL for an unknown type. */
const char *dwhi_arg_type_name(uint32_t type);
/* What a value of the type looks like, for messages: "a whole number
 * (int64)", ...; "?" for an unknown type. */
const char *dwhi_arg_type_hint(uint32_t type);

/* 1 when the JSON value `v` (borrowed; NULL is JSON null) can be passed as
 * an argument of `type`: INT64 an integer in int64 range, DOUBLE a number,
 * BOOL a boolean, STRING a string (or null when `null_ok`), JSON anything.
 * 0 otherwise. */
int dwhi_arg_json_fits(uint32_t type, json_object *v, int null_ok);

/* Converts command-line text to a JSON value of `type`: INT64 a whole
 * number ("-12", no spaces, in range), DOUBLE a finite number, BOOL
 * true/false/1/0, STRING the text itself, JSON the text parsed strictly.
 * Returns a new value (caller puts; for JSON `null` the result is NULL and
 * *is_null is set) and 0, or -1 when the text does not fit the type. */
int dwhi_arg_from_text(uint32_t type, const char *text, json_object **out, int *is_null);

/* 1 when `name` is 1..max_len bytes of [a-z0-9_] starting with a letter. */
int dwhi_action_name_ok(const char *name, size_t max_len);

#endif
