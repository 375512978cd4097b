/* Validation rules (seed §10.3) and atomic application of transactions.
 * The exact rules are listed in docs/PROTOCOL.md, "Validation".
 *
 * A verdict names the rule that failed and the mapping (or signature) it
 * failed on, because votes report valid / invalid / out-of-order per token.
 * The ledger never reads the clock: `now_ms` is an argument. */
#ifndef EC_LEDGER_VALIDATE_H
#define EC_LEDGER_VALIDATE_H

#include <stdint.h>

#include "base/err.h"
#include "ledger/store.h"
#include "ledger/tx.h"

#define EC_TX_FUTURE_MAX_MS (2ull * 3600 * 1000) /* 2 hours (seed §10.3) */

typedef enum ec_rule {
    EC_RULE_OK = 0,
    EC_RULE_MALFORMED,         /* does not decode (tx level) */
    EC_RULE_BAD_SIGNATURE,     /* a signature does not verify (index = signature) */
    EC_RULE_UNUSED_SIGNATURE,  /* a signature authorizes no mapping (index = signature) */
    EC_RULE_TIMESTAMP_FUTURE,  /* more than 2 h ahead of now (tx level) */
    EC_RULE_ALREADY_COMMITTED, /* this very transaction is already stored (tx level) */
    EC_RULE_TOKEN_EXISTS,      /* create (prev = 0) of a token that has a head */
    EC_RULE_MISSING_HISTORY,   /* prev is not the head and we do not know it:
                                  out of order, fetch history first */
    EC_RULE_STALE_PREV,        /* prev is a known transaction but not the head:
                                  a replay, or a conflict already decided */
    EC_RULE_DESTROYED,         /* the token was destroyed: it never changes again */
    EC_RULE_WRONG_KEY,         /* no signature by the key the head names */
    EC_RULE_TIMESTAMP_ORDER,   /* not later than the transaction it extends */
} ec_rule;

/* Per-token vote classes (seed §10.2). */
typedef enum ec_vote_class {
    EC_VOTE_VALID = 1,
    EC_VOTE_INVALID = -1,
    EC_VOTE_OUT_OF_ORDER = 0,
} ec_vote_class;

typedef struct ec_verdict {
    ec_rule rule;
    int index; /* mapping index (or signature index for signature rules); -1: tx level */
} ec_verdict;

/* Short name ("wrong_key") and sentence ("no signature by the token's owner"). */
const char *ec_rule_name(ec_rule r);
const char *ec_rule_str(ec_rule r);
ec_vote_class ec_rule_vote(ec_rule r);

/* Checks tx against the store (reads only). Returns an ec_err only when the
 * store fails; the verdict says whether tx is valid (rule EC_RULE_OK). */
ec_err ec_validate_tx(ec_store *s, const ec_tx *tx, uint64_t now_ms, ec_verdict *v);

/* The verdict on mapping m alone, as a member of that token's neighborhood
 * votes (docs/PROTOCOL.md, "Validation"; docs/CONSENSUS.md): rule 3
 * (timestamp_future), rules 5-10 for mapping m, and rule 11
 * (unused_signature) when the transaction has one mapping (with more, the
 * owners of the other tokens are not known to the member). Signatures are
 * the caller's to check first (ec_tx_check_signatures): a node checks them
 * once per transaction, not once per mapping. already_committed is the
 * caller's too. The core's vote on a mapping is ec_rule_vote of this. */
ec_err ec_validate_mapping(ec_store *s, const ec_tx *tx, int m, uint64_t now_ms, ec_verdict *v);

/* Decodes, validates and, when valid, commits the transaction atomically:
 * its bytes and the new head of every token it maps, or nothing. *id (when
 * non-NULL) receives the tx id once decoded. Bad input never changes the store. */
ec_err ec_ledger_apply(ec_store *s, const uint8_t *buf, size_t len, uint64_t now_ms,
                       ec_verdict *v, ec_id *id);

/* Same for an already decoded transaction, inside a write transaction the
 * caller opened (ec_store_begin): for batching many transactions into one
 * commit. On a refusal nothing is written. */
ec_err ec_ledger_apply_in_txn(ec_store *s, const ec_tx *tx, uint64_t now_ms,
                              ec_verdict *v, ec_id *id);

#endif
