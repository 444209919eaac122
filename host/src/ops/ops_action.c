/* ops_action.c -- one action call through libffi (see ops_action.h). */
#include "ops_action.h"

#include <ffi.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "crash/plugin_guard.h"
#include "ops_int.h"

/* One argument's C value, by dw_arg_type. */
typedef union c_value {
    int64_t i64;
    double d;
    int b;
    const char *s;
} c_value;

/* Fills the libffi types and the C values of `args`; JSON arguments are
 * serialised into texts[] (owned, freed by the caller).  0 or -1 (OOM). */
static int marshal(const dw_action *a, const dwhi_action_args *args, ffi_type **types, c_value *vals, char **texts) {
    for (uint32_t i = 0; i < a->n_args; i++) {
        json_object *v = args->values[i];
        switch (a->args[i].type) {
        case DW_ARG_INT64:
            types[i] = &ffi_type_sint64;
            vals[i].i64 = json_object_get_int64(v);
            break;
        case DW_ARG_DOUBLE:
            types[i] = &ffi_type_double;
            vals[i].d = json_object_get_double(v);
            break;
        case DW_ARG_BOOL:
            types[i] = &ffi_type_sint;
            vals[i].b = json_object_get_boolean(v) ? 1 : 0;
            break;
        case DW_ARG_STRING:
            types[i] = &ffi_type_pointer;
            vals[i].s = v ? json_object_get_string(v) : NULL;
            break;
        default: /* DW_ARG_JSON */
            types[i] = &ffi_type_pointer;
            if (v) {
                const char *t = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
                texts[i] = t ? strdup(t) : NULL;
                if (!texts[i]) return -1;
            }
            vals[i].s = texts[i];
            break;
        }
    }
    return 0;
}

/* The call itself: prepared cif, guarded, recoverable.  Kept apart so
 * nothing the caller uses after a jump back is a local modified after
 * sigsetjmp.  Returns the action's status, or -1 after a crash (*rec
 * holds the line). */
static int call_guarded(dwh_plugin *p, const dw_action *a, ffi_cif *cif, void **avalues, dwhi_guard_recovery *rec) {
    dwhi_guard g;
    dwhi_guard_enter(&g, dwh_plugin_name(p), dwh_plugin_path(p), "action", a->name);
    if (sigsetjmp(rec->jump, 1) != 0) {
        dwhi_guard_leave(&g);
        return -1;
    }
    dwhi_guard_recover(&g, rec);
    ffi_arg ret = 0;
    ffi_call(cif, FFI_FN(a->fn), &ret, avalues);
    dwhi_guard_leave(&g);
    return (int)(dw_status)(int)ret;
}

dwhi_op_result dwhi_op_action(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_identity *id,
                              const dwhi_op_flags *flags, const dw_action *a, const dwhi_action_args *args) {
    if (!a || !args || args->n != a->n_args) return dwhi_op_failed(DW_ERR, "action: arguments not bound");
    ffi_type *types[DW_ACTION_MAX_ARGS + 1];
    void *avalues[DW_ACTION_MAX_ARGS + 1];
    c_value vals[DW_ACTION_MAX_ARGS];
    char *texts[DW_ACTION_MAX_ARGS] = {0};
    memset(vals, 0, sizeof vals);
    dwhi_op_result r;
    if (marshal(a, args, types + 1, vals, texts) != 0) {
        r = dwhi_op_failed(DW_ERR_NOMEM, "action: out of memory");
        goto out;
    }
    ffi_cif cif;
    types[0] = &ffi_type_pointer;
    /* dw_status is an enum: int-sized on every ABI libffi targets here */
    if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, a->n_args + 1, &ffi_type_sint, types) != FFI_OK) {
        r = dwhi_op_failed(DW_ERR, "action: libffi could not prepare the call");
        goto out;
    }
    dw_ctx ctx;
    if (dwhi_op_begin(&ctx, p, config, secrets, id, flags, NULL, &r)) goto out;
    dw_ctx *ctxp = &ctx;
    avalues[0] = &ctxp;
    for (uint32_t i = 0; i < a->n_args; i++) avalues[i + 1] = &vals[i];
    ctx.in_action = 1;
    dwhi_guard_recovery *rec = calloc(1, sizeof *rec);
    if (!rec) {
        r = dwhi_op_failed(DW_ERR_NOMEM, "action: out of memory");
    } else {
        int ret = call_guarded(p, a, &cif, avalues, rec);
        ctx.in_action = 0;
        if (ret < 0) {
            char *line = dwhi_secrets_scrub(secrets, rec->line);
            r = dwhi_op_failed(DW_ERR, line ? line : rec->line);
            free(line);
            r.crashed = 1;
        } else {
            char what[96];
            snprintf(what, sizeof what, "action '%s'", a->name);
            r = dwhi_op_finish(&ctx, (dw_status)ret, what);
            if (r.code == DW_OK) {
                r.result = secrets ? dwhi_secrets_scrub(secrets, ctx.action_result ? ctx.action_result : "null")
                                   : strdup(ctx.action_result ? ctx.action_result : "null");
                r.result_raw = strdup(ctx.action_result ? ctx.action_result : "null");
                if (!r.result || !r.result_raw) {
                    dwhi_op_result_free(&r);
                    r = dwhi_op_failed(DW_ERR_NOMEM, "action: out of memory");
                }
            }
        }
        free(rec);
    }
    dwhi_ctx_cleanup(&ctx);
out:
    for (uint32_t i = 0; i < a->n_args; i++) free(texts[i]);
    return r;
}
