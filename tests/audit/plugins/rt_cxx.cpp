// C++ for plugin-audit's runtime attribution (test_audit_runtime.py):
// <iostream> alone gives the translation unit a static initializer that
// only constructs std::ios_base::Init (the runtime's); -DOWN_INIT adds a
// dynamic initializer of the plugin's own (a std::string built at load).
#include <iostream>
#include <string>

#ifdef OWN_INIT
static const std::string greeting = std::to_string(42) + " greetings";
extern "C" __attribute__((visibility("default"))) const char *rt_greeting() { return greeting.c_str(); }
#endif
extern "C" __attribute__((visibility("default"))) int rt_value() { return 1; }
