#include "crypto/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/hex.h"

static const char header[] = "ec-key v1\n";

ec_err ec_keyfile_format(char *buf, size_t cap, const ec_keypair *kp)
{
    char seed_hex[2 * EC_SEED_LEN + 1], pub_hex[2 * EC_PUBKEY_LEN + 1];
    if (buf == NULL || kp == NULL || cap < EC_KEYFILE_LEN + 1) return EC_ERR_ARG;
    ec_hex_encode(seed_hex, kp->seed, EC_SEED_LEN);
    ec_hex_encode(pub_hex, kp->pub.b, EC_PUBKEY_LEN);
    int n = snprintf(buf, cap, "%sseed %s\npublic %s\n", header, seed_hex, pub_hex);
    sodium_memzero(seed_hex, sizeof seed_hex);
    return n == EC_KEYFILE_LEN ? EC_OK : EC_ERR_ARG;
}

/* Reads one line "<label> <64 hex>\n" at *pos into out. */
static ec_err parse_line(const char *buf, size_t len, size_t *pos,
                         const char *label, uint8_t out[32])
{
    char hex[65];
    size_t llen = strlen(label), need = llen + 1 + 64 + 1;
    if (len - *pos < need) return EC_ERR_TRUNCATED;
    const char *p = buf + *pos;
    if (memcmp(p, label, llen) != 0 || p[llen] != ' ' || p[need - 1] != '\n')
        return EC_ERR_CORRUPT;
    memcpy(hex, p + llen + 1, 64);
    hex[64] = '\0';
    ec_err err = ec_hex_decode(out, 32, hex);
    sodium_memzero(hex, sizeof hex);
    if (err) return EC_ERR_CORRUPT;
    *pos += need;
    return EC_OK;
}

static ec_err parse(ec_keypair *kp, const char *buf, size_t len)
{
    size_t hlen = sizeof header - 1, pos = hlen;
    uint8_t seed[EC_SEED_LEN];
    ec_pubkey pub;
    ec_err err;

    if (len < hlen) {
        /* A prefix of the header is a truncated file, anything else is not ours. */
        return memcmp(buf, header, len) == 0 ? EC_ERR_TRUNCATED : EC_ERR_CORRUPT;
    }
    if (memcmp(buf, header, hlen) != 0)
        return memcmp(buf, "ec-key v", 8) == 0 ? EC_ERR_VERSION : EC_ERR_CORRUPT;
    if ((err = parse_line(buf, len, &pos, "seed", seed))) goto out;
    if ((err = parse_line(buf, len, &pos, "public", pub.b))) goto out;
    if (pos != len) { err = EC_ERR_TRAILING; goto out; }
    if ((err = ec_sign_keypair(kp, seed))) goto out;
    if (memcmp(kp->pub.b, pub.b, EC_PUBKEY_LEN) != 0) err = EC_ERR_CORRUPT;
out:
    sodium_memzero(seed, sizeof seed);
    return err;
}

ec_err ec_keyfile_parse(ec_keypair *kp, const char *buf, size_t len)
{
    if (kp == NULL || (buf == NULL && len > 0)) return EC_ERR_ARG;
    ec_err err = parse(kp, buf ? buf : "", len);
    if (err) sodium_memzero(kp, sizeof *kp);
    return err;
}

ec_err ec_keyfile_write(const char *path, const ec_keypair *kp)
{
    char buf[EC_KEYFILE_LEN + 1];
    ec_err err = ec_keyfile_format(buf, sizeof buf, kp);
    if (err) return err;

    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        sodium_memzero(buf, sizeof buf);
        return errno == EEXIST ? EC_ERR_EXISTS : EC_ERR_IO;
    }
    /* umask may only remove bits, but be explicit: secret keys are 0600. */
    int ok = fchmod(fd, 0600) == 0;
    size_t off = 0;
    while (ok && off < EC_KEYFILE_LEN) {
        ssize_t n = write(fd, buf + off, EC_KEYFILE_LEN - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { ok = 0; break; }
        off += (size_t)n;
    }
    ok = ok && fsync(fd) == 0;
    int saved = errno;
    ok = (close(fd) == 0) && ok;
    sodium_memzero(buf, sizeof buf);
    if (!ok) {
        unlink(path);
        errno = saved;
        return EC_ERR_IO;
    }
    return EC_OK;
}

ec_err ec_keyfile_read(ec_keypair *kp, const char *path)
{
    /* One byte more than a valid file, so oversized files are caught. */
    char buf[EC_KEYFILE_LEN + 1];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? EC_ERR_NOTFOUND : EC_ERR_IO;
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof buf - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int saved = errno;
            close(fd);
            sodium_memzero(buf, sizeof buf);
            errno = saved;
            return EC_ERR_IO;
        }
        if (n == 0 || (len += (size_t)n) == sizeof buf) break;
    }
    close(fd);
    ec_err err = ec_keyfile_parse(kp, buf, len);
    sodium_memzero(buf, sizeof buf);
    return err;
}
