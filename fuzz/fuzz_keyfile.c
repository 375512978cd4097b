/* libFuzzer harness: secret key files (src/crypto/keyfile.h).
 *
 * Properties:
 *  - ec_keyfile_parse never reads out of bounds (ASan) and returns EC_OK or a
 *    negative ec_err; on error the key pair is wiped (all zero);
 *  - on EC_OK, ec_keyfile_format of the result gives back the input: exactly
 *    EC_KEYFILE_LEN bytes, equal byte for byte except that the two hex fields
 *    compare case-insensitively (ec_hex_decode accepts both cases). Build with
 *    -DEC_FUZZ_KEYFILE_STRICT to require the exact input bytes there too;
 *  - an input of exactly EC_SEED_LEN bytes is also used as a seed: its
 *    formatted file must parse back to the same key pair.
 * The input is copied into an exactly sized buffer so over-reads are caught. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/keyfile.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Offsets of the hex fields in a well-formed file:
 * "ec-key v1\n" (10) "seed " (5) 64 "\n" "public " (7) 64 "\n" = 152. */
#define SEED_HEX_AT 15
#define PUB_HEX_AT 87

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (ec_crypto_init() != EC_OK) __builtin_trap();
    return 0;
}

static int in_hex_field(size_t i)
{
    return (i >= SEED_HEX_AT && i < SEED_HEX_AT + 64) ||
           (i >= PUB_HEX_AT && i < PUB_HEX_AT + 64);
}

static int same_file(const char *formatted, const char *input, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char a = formatted[i], b = input[i];
#ifndef EC_FUZZ_KEYFILE_STRICT
        if (in_hex_field(i)) b = (char)tolower((unsigned char)b);
#else
        (void)in_hex_field;
#endif
        if (a != b) return 0;
    }
    return 1;
}

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) return 0;
    return 1;
}

static void seed_roundtrip(const uint8_t seed[EC_SEED_LEN])
{
    ec_keypair kp, back;
    char buf[EC_KEYFILE_LEN + 1];
    if (ec_sign_keypair(&kp, seed) != EC_OK) __builtin_trap();
    if (ec_keyfile_format(buf, sizeof buf, &kp) != EC_OK) __builtin_trap();
    if (strlen(buf) != EC_KEYFILE_LEN) __builtin_trap();
    if (ec_keyfile_parse(&back, buf, EC_KEYFILE_LEN) != EC_OK) __builtin_trap();
    if (memcmp(&kp, &back, sizeof kp) != 0) __builtin_trap();
    /* Every strict prefix is a truncated file. */
    if (ec_keyfile_parse(&back, buf, EC_KEYFILE_LEN - 1) != EC_ERR_TRUNCATED)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size ? size : 1);
    if (in == NULL) return 0;
    if (size) memcpy(in, data, size);

    ec_keypair kp;
    memset(&kp, 0xa5, sizeof kp);
    ec_err err = ec_keyfile_parse(&kp, in, size);
    if (err != EC_OK) {
        if (err >= 0) __builtin_trap();
        if (!all_zero(&kp, sizeof kp)) __builtin_trap();
    } else {
        char out[EC_KEYFILE_LEN + 1];
        if (size != EC_KEYFILE_LEN) __builtin_trap();
        if (ec_keyfile_format(out, sizeof out, &kp) != EC_OK) __builtin_trap();
        if (strlen(out) != EC_KEYFILE_LEN) __builtin_trap();
        if (!same_file(out, in, size)) __builtin_trap();
    }
    free(in);

    if (size == EC_SEED_LEN) seed_roundtrip(data);
    return 0;
}
