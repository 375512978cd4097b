/* libFuzzer harness: protocol messages (src/wire/msg.h).
 * Properties: ec_msg_decode never reads out of bounds and returns EC_OK or a
 * negative ec_err; on EC_OK, ec_msg_encode gives back exactly the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ec_msg m;
    ec_err err = ec_msg_decode(&m, data, size);
    if (err != EC_OK) {
        if (err >= 0) __builtin_trap();
        return 0;
    }
    uint8_t *buf = malloc(size);
    size_t len = 0;
    if (buf == NULL) return 0;
    if (ec_msg_encode(&m, buf, size, &len) != EC_OK) __builtin_trap();
    if (len != size || memcmp(buf, data, size) != 0) __builtin_trap();
    free(buf);
    return 0;
}
