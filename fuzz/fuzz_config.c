/*
 * fuzz_config.c - libFuzzer target for the configuration file parser.
 * Property: no crash, no leak; on success every setting still prints.
 */
#include "core/config.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config c;
    config_init(&c);
    struct diag d;
    diag_clear(&d);
    if (config_parse_text(&c, (const char *)data, size, "fuzz", &d) == 0) {
        FILE *null = fopen("/dev/null", "w");
        if (null) {
            config_print(null, &c);
            fclose(null);
        }
    }
    config_free(&c);
    return 0;
}
