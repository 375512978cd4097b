/* Transactions (seed §3.3): 1..6 token mappings, a timestamp, signatures.
 * Byte format: docs/PROTOCOL.md, "Transaction".
 *
 * A mapping {token, owner, prev} says: token's next change must be signed by
 * the key whose BLAKE3 is `owner` (all zeros: destroyed), and it extends the
 * transaction `prev` that last changed the token (all zeros: creation).
 * A signature entry carries its public key, since mappings hold only hashes;
 * every signer signs the same message (everything but the signatures), and
 * one signature may authorize several mappings.
 *
 * Canonical form, enforced by the decoder: mappings in strictly ascending
 * token order (so a token appears once), signatures in strictly ascending
 * public-key order (so a key signs once), at most EC_TX_SIGS_MAX of them. */
#ifndef EC_LEDGER_TX_H
#define EC_LEDGER_TX_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/id.h"
#include "crypto/sign.h"

#define EC_TX_VERSION 1
#define EC_TX_MAPPINGS_MAX 6
#define EC_TX_SIGS_MAX 6
#define EC_TX_MAPPING_LEN 96
#define EC_TX_SIG_ENTRY_LEN 96
#define EC_TX_HEADER_LEN 10      /* version, timestamp, mapping count */
#define EC_TX_UDP_MAX 1200       /* a whole transaction fits one UDP payload */
#define EC_TX_MAX_LEN (EC_TX_HEADER_LEN + EC_TX_MAPPINGS_MAX * EC_TX_MAPPING_LEN + 1 + \
                       EC_TX_SIGS_MAX * EC_TX_SIG_ENTRY_LEN)

typedef struct ec_mapping {
    ec_id token;
    ec_id owner; /* BLAKE3(public key) of the next signer; zero = destroy */
    ec_id prev;  /* id of the transaction this one extends; zero = create */
} ec_mapping;

typedef struct ec_tx_sig {
    ec_pubkey key;
    ec_sig sig;
} ec_tx_sig;

typedef struct ec_tx {
    uint64_t timestamp_ms; /* Unix time in milliseconds, set by the author */
    uint8_t n_mappings;
    uint8_t n_sigs;
    ec_mapping mappings[EC_TX_MAPPINGS_MAX];
    ec_tx_sig sigs[EC_TX_SIGS_MAX];
} ec_tx;

/* Starts an unsigned transaction. */
void ec_tx_init(ec_tx *tx, uint64_t timestamp_ms);
/* Adds a mapping in canonical (token) order. EC_ERR_RANGE when full,
 * EC_ERR_EXISTS if the token is already in the transaction, EC_ERR_ARG if
 * signatures were already added (they would no longer verify). */
ec_err ec_tx_add_mapping(ec_tx *tx, const ec_id *token, const ec_id *owner,
                         const ec_id *prev);
/* Signs with kp and inserts the signature in canonical (key) order.
 * EC_ERR_EXISTS if kp already signed, EC_ERR_RANGE when full. */
ec_err ec_tx_sign(ec_tx *tx, const ec_keypair *kp);

/* Canonical encoding. EC_ERR_MALFORMED if tx breaks a canonical-form rule,
 * EC_ERR_RANGE if cap is too small. */
ec_err ec_tx_encode(const ec_tx *tx, uint8_t *buf, size_t cap, size_t *len);
/* Strict decoding: EC_ERR_TRUNCATED, EC_ERR_TRAILING, EC_ERR_VERSION,
 * EC_ERR_MALFORMED (counts out of range, order or uniqueness broken),
 * EC_ERR_RANGE (longer than EC_TX_UDP_MAX). Checks no signature. */
ec_err ec_tx_decode(ec_tx *tx, const uint8_t *buf, size_t len);
/* tx_id = BLAKE3(canonical encoding, signatures included). */
ec_err ec_tx_id(const ec_tx *tx, ec_id *id);
/* EC_OK if every signature verifies over the signed message; else
 * EC_ERR_SIGNATURE and *bad (when non-NULL) is the first failing index. */
ec_err ec_tx_check_signatures(const ec_tx *tx, int *bad);

#endif
