/* libFuzzer harness: vote equivocation evidence (core/evidence.h),
 * contradicting mapping claims (core/claims.h) and forked commit chains
 * (core/chain_evidence.h) and a claim against its chain (core/claim_chain.h),
 * each decoder on every input. The
 * decoder returns EC_OK or a negative error and never reads past the
 * input (a transaction length is never trusted); on EC_OK the evidence
 * re-encodes to exactly the input (one encoding), and verifying it
 * returns one of its documented results without touching anything else. */
#include <stdint.h>
#include <string.h>

#include "core/chain_evidence.h"
#include "core/claim_chain.h"
#include "core/claims.h"
#include "core/evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) \
    do { \
        if (!(c)) __builtin_trap(); \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ec_vote_evidence e;
    static ec_claims_evidence c;
    static ec_chain_evidence h;
    static ec_claim_chain_evidence k;
    static uint8_t out[EC_EVIDENCE_MAX];
    ec_err err = ec_claims_evidence_decode(&c, data, size);
    CHECK(err <= 0);
    if (err == EC_OK) {
        size_t len = 0;
        CHECK(ec_claims_evidence_encode(&c, out, sizeof out, &len) == EC_OK);
        CHECK(len == size && len <= EC_CLAIMS_EVIDENCE_MAX && memcmp(out, data, size) == 0);
        err = ec_claims_evidence_verify(&c, NULL);
        CHECK(err == EC_OK || err == EC_ERR_MISMATCH || err == EC_ERR_SIGNATURE);
    }
    err = ec_chain_evidence_decode(&h, data, size);
    CHECK(err <= 0);
    if (err == EC_OK) {
        size_t len = 0;
        CHECK(ec_chain_evidence_encode(&h, out, sizeof out, &len) == EC_OK);
        CHECK(len == size && len <= EC_CHAIN_EVIDENCE_MAX && memcmp(out, data, size) == 0);
        err = ec_chain_evidence_verify(&h);
        CHECK(err == EC_OK || err == EC_ERR_MISMATCH || err == EC_ERR_SIGNATURE);
    }
    err = ec_claim_chain_evidence_decode(&k, data, size);
    CHECK(err <= 0);
    if (err == EC_OK) {
        size_t len = 0;
        CHECK(ec_claim_chain_evidence_encode(&k, out, sizeof out, &len) == EC_OK);
        CHECK(len == size && len <= EC_CLAIM_CHAIN_EVIDENCE_MAX && memcmp(out, data, size) == 0);
        err = ec_claim_chain_evidence_verify(&k);
        CHECK(err == EC_OK || err == EC_ERR_MISMATCH || err == EC_ERR_SIGNATURE || err == EC_ERR_ARG);
    }
    err = ec_evidence_decode(&e, data, size);
    CHECK(err <= 0);
    if (err != EC_OK) return 0;
    size_t len = 0;
    CHECK(ec_evidence_encode(&e, out, sizeof out, &len) == EC_OK);
    CHECK(len == size && memcmp(out, data, size) == 0);
    err = ec_evidence_verify(&e, NULL, NULL);
    CHECK(err == EC_OK || err == EC_ERR_MISMATCH || err == EC_ERR_SIGNATURE || err == EC_ERR_MALFORMED);
    return 0;
}
