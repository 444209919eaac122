/*
 * form_json.h -- renders a normalised source descriptor as the stable JSON
 * document of docs/form-json.md: metadata, capabilities and the config
 * field tree, every field with a derived "secret" flag.  `describe --json`
 * prints it; embedders get it from dwh_plugin_form_json().
 */
#ifndef DWHI_FORM_JSON_H
#define DWHI_FORM_JSON_H

#include <json-c/json.h>
#include <stdint.h>

#include "dwsdk.h"

/* The whole document for `src` (a normalised, host-stride descriptor,
 * borrowed) built with plugin ABI abi_major.abi_minor.  Returns a new
 * object the caller puts, NULL on OOM. */
json_object *dwhi_form_json(const dw_source *src, unsigned abi_major, unsigned abi_minor);

/* Only the field array (host stride): a new JSON array the caller puts. */
json_object *dwhi_form_fields_json(const dw_field *fields, uint32_t n);

/* 1 when the field's own value is secret: password inputs, inputs marked
 * secret, OAuth fields (they hold tokens) and file uploads (key files).
 * SSH tunnels hold secrets in their sub-keys, each flagged on its own. */
int dwhi_form_field_secret(const dw_field *f);

#endif
