#!/usr/bin/env bash
# Checks that the PostgreSQL migrations build the schema the SQLite ones build.
#
#   Tests/postgresql/schema_parity.sh DIR     (DIR: a scripts/pg-cluster.sh cluster; started if it isn't)
#
# Reads the migrations from the two Swift files, applies the SQLite ones to a temporary file and the PostgreSQL
# ones, each in one transaction, to a fresh database (dropped afterwards), and compares: the same migration ids in
# the same order, the same tables, per table the same columns in the same order with the same NOT NULL-ness and
# matching types (INTEGER bigint, REAL double precision, BLOB bytea, TEXT text COLLATE "C"), and the same index
# and trigger names. Prints each difference and exits 1 if there is any.
set -euo pipefail

(($# == 1)) || { echo "usage: $0 CLUSTER_DIR" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/../.." && pwd)
cluster=$repo/scripts/pg-cluster.sh
database=schema_parity_$$
"$cluster" start "$1"
"$cluster" createdb "$1" "$database"
trap '"$cluster" psql "$1" postgres -qc "DROP DATABASE IF EXISTS $database" >/dev/null' EXIT

REPO=$repo CLUSTER=$cluster DIR=$1 DATABASE=$database python3 - <<'EOF'
import os, re, sqlite3, subprocess, sys, tempfile

repo, cluster, cluster_dir, database = (os.environ[k] for k in ("REPO", "CLUSTER", "DIR", "DATABASE"))

# The (id, sql) pairs of a Swift file's Migration(id:sql:) literals, with the multi-line literals' indentation removed.
def migrations(path):
    found = []
    text = open(os.path.join(repo, path)).read()
    for m in re.finditer(r'Migration\(\s*id:\s*"([^"\\]*)",\s*sql:\s*"""\n(.*?)\n( *)"""', text, re.S):
        sql, indent = m.group(2), m.group(3)
        if "\\" in sql:
            sys.exit(f"{path}: migration {m.group(1)!r} has a backslash escape this check does not decode")
        found.append((m.group(1), "\n".join(line[len(indent):] for line in sql.split("\n"))))
    if not found:
        sys.exit(f"{path}: no migrations found")
    return found

def psql(*args, sql=None):
    command = [cluster, "psql", cluster_dir, database, "-Atq", "-F", "\t", "-v", "ON_ERROR_STOP=1", *args]
    result = subprocess.run(command, input=sql, capture_output=True, text=True)
    if result.returncode:
        sys.exit(result.stderr.strip())
    return [line.split("\t") for line in result.stdout.splitlines()]

differences = []
lite_migrations = migrations("Sources/Store/SQLite/SQLiteMigrations.swift")
pg_migrations = migrations("Sources/Store/PostgreSQL/PostgreSQLMigrations.swift")
lite_ids, pg_ids = [i for i, _ in lite_migrations], [i for i, _ in pg_migrations]
if lite_ids != pg_ids:
    differences.append(f"migration ids: SQLite {lite_ids} PostgreSQL {pg_ids}")

# SQLite: the migrations as Migrations.run applies them, then the schema. A primary-key column is NOT NULL when it
# is the rowid (a lone INTEGER PRIMARY KEY) or in a WITHOUT ROWID table, whatever its declaration says.
with tempfile.TemporaryDirectory() as scratch:
    lite = sqlite3.connect(os.path.join(scratch, "parity.db"), isolation_level=None)
    lite.execute("PRAGMA foreign_keys = ON")
    for mid, sql in lite_migrations:
        lite.executescript(f"BEGIN IMMEDIATE;\n{sql}\n;COMMIT;")
    lite_columns, lite_names = {}, set()
    without_rowid = {name for name, wr in lite.execute("SELECT name, wr FROM pragma_table_list") if wr}
    for (table,) in lite.execute("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%'"):
        info = lite.execute(
            "SELECT name, upper(type), \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid", (table,)).fetchall()
        keys = sum(1 for *_, pk in info if pk)
        key_not_null = lambda type, pk: pk and (table in without_rowid or (keys == 1 and type == "INTEGER"))
        lite_columns[table] = [(n, t, bool(nn or key_not_null(t, pk))) for n, t, nn, pk in info]
    for kind, table, name in lite.execute(
            "SELECT type, tbl_name, name FROM sqlite_schema WHERE type IN ('index', 'trigger') AND sql IS NOT NULL"):
        lite_names.add((kind, table, name))

for mid, sql in pg_migrations:
    psql("-1", "-f", "-", sql=sql)
pg_columns = {}
for table, column, nullable, type, collation in psql("-c", """
        SELECT table_name, column_name, is_nullable, data_type, coalesce(collation_name, '')
        FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"""):
    pg_columns.setdefault(table, []).append((column, type, collation, nullable == "NO"))
pg_names = {tuple(row) for row in psql("-c", """
        SELECT 'index', tablename, indexname FROM pg_indexes
        WHERE schemaname = 'public' AND indexname NOT IN (SELECT conname FROM pg_constraint)
        UNION ALL SELECT 'trigger', tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal""")}

types = {"INTEGER": ("bigint", ""), "REAL": ("double precision", ""), "BLOB": ("bytea", ""), "TEXT": ("text", "C")}
for table in sorted(lite_columns.keys() | pg_columns.keys()):
    if table not in pg_columns or table not in lite_columns:
        differences.append(f"table {table}: only in {'SQLite' if table in lite_columns else 'PostgreSQL'}")
        continue
    lite_names_, pg_names_ = [c[0] for c in lite_columns[table]], [c[0] for c in pg_columns[table]]
    if lite_names_ != pg_names_:
        differences.append(f"table {table}: columns SQLite {lite_names_} PostgreSQL {pg_names_}")
        continue
    for lite_column, pg_column in zip(lite_columns[table], pg_columns[table]):
        (name, lite_type, lite_notnull), (_, pg_type, collation, pg_notnull) = lite_column, pg_column
        if lite_notnull != pg_notnull:
            differences.append(f"{table}.{name}: NOT NULL in {'SQLite' if lite_notnull else 'PostgreSQL'} only")
        if types.get(lite_type) != (pg_type, collation):
            differences.append(f"{table}.{name}: SQLite {lite_type}, PostgreSQL {pg_type} collation {collation!r}")
for kind, table, name in sorted(lite_names ^ pg_names):
    side = "SQLite" if (kind, table, name) in lite_names else "PostgreSQL"
    differences.append(f"{kind} {name} on {table}: only in {side}")

for difference in differences:
    print(difference)
if differences:
    sys.exit(1)
print(f"schema parity: {len(pg_migrations)} migrations, {len(pg_columns)} tables, "
      f"{sum(map(len, pg_columns.values()))} columns, {len(pg_names)} indexes and triggers: the same")
EOF
