/* Error codes shared by every layer of libec.
 *
 * Every fallible function returns an ec_err; EC_OK is 0 and every error is
 * negative, so `if (err)` and `if (err < 0)` both read naturally. The library
 * never exits or aborts on bad input: it returns one of these. */
#ifndef EC_BASE_ERR_H
#define EC_BASE_ERR_H

typedef enum ec_err {
    EC_OK = 0,
    EC_ERR_ARG = -1,        /* caller passed an invalid argument */
    EC_ERR_NOMEM = -2,      /* allocation failed */
    EC_ERR_TRUNCATED = -3,  /* input ended before the encoding did */
    EC_ERR_TRAILING = -4,   /* bytes left over after a complete encoding */
    EC_ERR_VERSION = -5,    /* unknown format or protocol version */
    EC_ERR_MALFORMED = -6,  /* a field holds a value the format forbids */
    EC_ERR_HEX = -7,        /* not valid hexadecimal of the expected length */
    EC_ERR_SIGNATURE = -8,  /* a signature does not verify */
    EC_ERR_POW = -9,        /* proof of work below the required difficulty */
    EC_ERR_IO = -10,        /* a read or write failed (errno holds why) */
    EC_ERR_EXISTS = -11,    /* refusing to overwrite an existing file */
    EC_ERR_NOTFOUND = -12,  /* file or record does not exist */
    EC_ERR_CORRUPT = -13,   /* stored data fails its own consistency check */
    EC_ERR_CRYPTO = -14,    /* the crypto library failed (e.g. out of memory) */
    EC_ERR_RANGE = -15,     /* a number is outside its allowed range */
    EC_ERR_PREFIX = -16,    /* address outside the required neighborhood */
    EC_ERR_MISMATCH = -17,  /* two things that must agree do not */
    EC_ERR_PERM = -18,      /* the operating system denied access (EACCES) */
} ec_err;

/* Short, static, human-readable description ("input truncated"). Never NULL. */
const char *ec_err_str(ec_err err);

#endif
