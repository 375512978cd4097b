/* libFuzzer harness: identity records (src/core/identity.h).
 *
 * Properties:
 *  - ec_identity_decode never reads out of bounds (ASan) and returns either
 *    EC_OK or a negative ec_err;
 *  - on EC_OK the encoding is canonical: ec_identity_encode gives back exactly
 *    the input bytes (EC_IDENTITY_LEN of them);
 *  - ec_identity_check_signature answers EC_OK or EC_ERR_SIGNATURE.
 * ec_identity_verify is not called: one Argon2id per input is far too slow. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/identity.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (ec_crypto_init() != EC_OK) __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ec_identity id;
    ec_err err = ec_identity_decode(&id, data, size);
    if (err != EC_OK) {
        if (err >= 0) __builtin_trap();
        return 0;
    }
    if (size != EC_IDENTITY_LEN) __builtin_trap();

    /* Exactly sized, so ASan catches an encoder that writes one byte more. */
    uint8_t *buf = malloc(EC_IDENTITY_LEN);
    if (buf == NULL) return 0;
    size_t len = 0;
    if (ec_identity_encode(&id, buf, EC_IDENTITY_LEN, &len) != EC_OK) __builtin_trap();
    if (len != size || memcmp(buf, data, size) != 0) __builtin_trap();
    /* One byte short must be refused, not overflowed. */
    if (ec_identity_encode(&id, buf, EC_IDENTITY_LEN - 1, &len) != EC_ERR_RANGE)
        __builtin_trap();
    free(buf);

    err = ec_identity_check_signature(&id);
    if (err != EC_OK && err != EC_ERR_SIGNATURE) __builtin_trap();
    return 0;
}
