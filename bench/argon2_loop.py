"""argon2-cffi's bundled Argon2 in the loop shape of bench/argon2_loop.c (wall clock, hashes only):
python argon2_loop.py SECONDS M T P prints "RESULT c-argon2id-hash <us> us/op <n> ops". argon2-cffi hashes
with as many threads as lanes, as fastapi-users (through pwdlib) calls it."""
import sys
import time

from argon2.low_level import Type, hash_secret_raw

seconds, m, t, p = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
password = b"correct horse battery staple"
salt = bytearray((i * 37 + 11) & 0xFF for i in range(16))
hash_secret_raw(password, bytes(salt), t, m, p, 32, Type.ID)
count, start = 0, time.monotonic()
while True:
    salt[0] = (salt[0] + 1) & 0xFF
    hash_secret_raw(password, bytes(salt), t, m, p, 32, Type.ID)
    count += 1
    elapsed = time.monotonic() - start
    if elapsed >= seconds:
        break
print("RESULT c-argon2id-hash %.2f us/op %d ops" % (elapsed / count * 1e6, count))
