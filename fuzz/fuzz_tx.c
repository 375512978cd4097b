/* libFuzzer harness: transactions (src/ledger/tx.h) and validation.
 *
 * Properties:
 *  - ec_tx_decode never reads out of bounds and returns EC_OK or a negative
 *    ec_err;
 *  - on EC_OK the encoding is canonical: ec_tx_encode gives back exactly the
 *    input bytes, and ec_tx_id succeeds;
 *  - validation against an in-memory store holding one token never fails
 *    with a store error, and applying (ec_ledger_apply) changes the store
 *    only when the verdict is OK. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/store.h"
#include "ledger/validate.h"

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
    ec_tx tx;
    ec_err err = ec_tx_decode(&tx, data, size);
    if (err != EC_OK && err >= 0) __builtin_trap();

    ec_store *s;
    if (ec_store_mem_open(&s) != EC_OK) return 0;
    /* One existing token (id 00..01) owned by key hash 11..11. */
    ec_id tok = {{0}}, txid, owner;
    tok.b[31] = 1;
    memset(txid.b, 0x22, 32);
    memset(owner.b, 0x11, 32);
    ec_head h = {txid, 1000, owner};
    ec_store_begin(s);
    ec_store_put_head(s, &tok, &h);
    ec_store_commit(s);

    ec_verdict v;
    ec_id id;
    if (ec_ledger_apply(s, data, size, 2000, &v, &id) != EC_OK) __builtin_trap();
    ec_store_counts c;
    ec_store_counts_get(s, &c);
    if ((v.rule == EC_RULE_OK) != (c.transactions == 1)) __builtin_trap();
    if (err != EC_OK && v.rule != EC_RULE_MALFORMED) __builtin_trap();
    ec_store_close(s);
    if (err != EC_OK) return 0;

    uint8_t *buf = malloc(size);
    size_t len = 0;
    if (buf == NULL) return 0;
    if (ec_tx_encode(&tx, buf, size, &len) != EC_OK) __builtin_trap();
    if (len != size || memcmp(buf, data, size) != 0) __builtin_trap();
    free(buf);
    if (ec_tx_id(&tx, &id) != EC_OK) __builtin_trap();
    return 0;
}
