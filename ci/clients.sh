#!/usr/bin/env bash
# Real S3 clients against `npm start`: installs aws-cli, s3cmd, rclone and restic from Debian,
# starts a node on a temporary data directory (ports chosen by the OS), and drives the first
# three through bucket create, put (small and 20 MiB), multipart (64 MiB), list, get with
# SHA-256 comparison, delete and bucket delete; restic (minio-go, another S3 client stack)
# through a backup repository's life: init, two backups, check --read-data, restore compared
# with the source, forget --prune. Exits non-zero on the first failure; always stops the
# node. Set POLLEN_CLIENTS_SKIP_INSTALL=1 when the clients are already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'ci/clients.sh: FAILED: %s\n' "$*" >&2; exit 1; }

# --- install the clients (Debian packages; no silent skip) ---------------------------------
AWS=/usr/bin/aws S3CMD=/usr/bin/s3cmd RCLONE=/usr/bin/rclone RESTIC=/usr/bin/restic
if [ "${POLLEN_CLIENTS_SKIP_INSTALL:-0}" != 1 ]; then
  say "installing awscli s3cmd rclone restic with apt-get"
  SUDO=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || fail "apt-get needs root and sudo is not available; cannot install awscli s3cmd rclone restic"
    SUDO=(sudo -n)
  fi
  "${SUDO[@]}" apt-get update -q || fail "apt-get update failed (is apt-get permitted here?)"
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q awscli s3cmd rclone restic || fail "apt-get install awscli s3cmd rclone restic failed"
fi
for bin in "$AWS" "$S3CMD" "$RCLONE" "$RESTIC"; do [ -x "$bin" ] || fail "$bin is missing after installation"; done
"$AWS" --version; "$S3CMD" --version; "$RCLONE" version 2>&1 | sed -n 1p; "$RESTIC" version

# The clients talk plain HTTP to 127.0.0.1: drop AWS_* settings from the environment (a custom
# CA bundle, a profile or another endpoint would change what they do; rclone refuses to start
# with AWS_CA_BUNDLE and its plain-HTTP transport).
for v in $(compgen -e | grep '^AWS_' || true); do unset "$v"; done

# --- start the node ------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pollen-clients.XXXXXX")
NODE_PID=""
stop_node() {
  if [ -n "$NODE_PID" ] && kill -0 "$NODE_PID" 2>/dev/null; then
    kill -TERM -- "-$NODE_PID" 2>/dev/null || kill -TERM "$NODE_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$NODE_PID" 2>/dev/null || true
  fi
  NODE_PID=""
}
finish() {
  local rc=$?
  stop_node
  if [ "$rc" != 0 ] && [ -f "$WORK/node.log" ]; then echo "--- node log (last 40 lines) ---" >&2; tail -40 "$WORK/node.log" >&2; fi
  rm -rf "$WORK"
  exit "$rc"
}
trap finish EXIT

cat >"$WORK/pollen.toml" <<EOF
data_dir = "$WORK/data"
block_delete_delay_secs = 0
[s3_api]
api_bind_addr = "127.0.0.1:0"
[admin]
api_bind_addr = "127.0.0.1:0"
EOF
say "npm start -- -c $WORK/pollen.toml"
# Its own process group, so stopping it stops npm and the node under it.
setsid npm start --silent -- -c "$WORK/pollen.toml" >"$WORK/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 300); do
  grep -q '^AWS_SECRET_ACCESS_KEY=' "$WORK/node.log" 2>/dev/null && break
  kill -0 "$NODE_PID" 2>/dev/null || fail "the node exited before printing its credentials"
  sleep 0.2
done
grep -q '^AWS_SECRET_ACCESS_KEY=' "$WORK/node.log" || fail "no credentials printed within 60 s"
ENDPOINT=$(sed -n 's/^ *aws --endpoint-url \(http[^ ]*\) .*/\1/p' "$WORK/node.log" | head -1)
KEY_ID=$(sed -n 's/^AWS_ACCESS_KEY_ID=//p' "$WORK/node.log" | head -1)
SECRET=$(sed -n 's/^AWS_SECRET_ACCESS_KEY=//p' "$WORK/node.log" | head -1)
[ -n "$ENDPOINT" ] && [ -n "$KEY_ID" ] && [ -n "$SECRET" ] || fail "cannot read the endpoint and credentials from the node's output"
HOSTPORT=${ENDPOINT#http://}
echo "endpoint $ENDPOINT, key $KEY_ID"

# --- test data -----------------------------------------------------------------------------
head -c 1234 /dev/urandom >"$WORK/small.bin"
head -c $((20 * 1024 * 1024)) /dev/urandom >"$WORK/20MiB.bin"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$WORK/64MiB.bin"
sha() { sha256sum "$1" | cut -d' ' -f1; }
same() { # same ORIGINAL DOWNLOADED WHAT
  [ "$(sha "$1")" = "$(sha "$2")" ] || fail "$3: the downloaded bytes differ from the uploaded ones"
  echo "ok: $3 (sha256 matches)"
  rm -f "$2"
}
listed() { # listed LISTING NAME... : every name appears in the listing
  local listing=$1; shift
  for n in "$@"; do grep -qF -- "$n" <<<"$listing" || fail "listing misses $n: $listing"; done
  echo "ok: list shows $*"
}
multipart_etag() { # the ETag of a multipart object ends with -<parts>
  [[ "$1" =~ -[0-9]+\"?$ ]] || fail "$2: ETag $1 is not a multipart ETag"
  echo "ok: $2 went up as multipart (ETag $1)"
}

# --- aws-cli -------------------------------------------------------------------------------
say "aws-cli"
export AWS_CONFIG_FILE="$WORK/aws-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials"
printf '[default]\nregion = us-east-1\ns3 =\n  multipart_threshold = 8MB\n  multipart_chunksize = 8MB\n' >"$AWS_CONFIG_FILE"
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$KEY_ID" "$SECRET" >"$AWS_SHARED_CREDENTIALS_FILE"
aws() { "$AWS" --endpoint-url "$ENDPOINT" "$@"; }
etag_of() { aws s3api head-object --bucket "$1" --key "$2" --query ETag --output text; }
B=cli-aws
aws s3 mb "s3://$B"
aws s3 cp --no-progress "$WORK/small.bin" "s3://$B/dir/small.bin"
aws s3api put-object --bucket "$B" --key dir/20MiB.bin --body "$WORK/20MiB.bin" >/dev/null
aws s3 cp --no-progress "$WORK/64MiB.bin" "s3://$B/64MiB.bin"
multipart_etag "$(etag_of "$B" 64MiB.bin)" "aws s3 cp 64 MiB"
listed "$(aws s3 ls --recursive "s3://$B")" dir/small.bin dir/20MiB.bin 64MiB.bin
listed "$(aws s3 ls "s3://$B/")" "PRE dir/" 64MiB.bin
aws s3 cp --no-progress "s3://$B/dir/small.bin" "$WORK/got"; same "$WORK/small.bin" "$WORK/got" "aws small"
aws s3api get-object --bucket "$B" --key dir/20MiB.bin "$WORK/got" >/dev/null; same "$WORK/20MiB.bin" "$WORK/got" "aws 20 MiB"
aws s3 cp --no-progress "s3://$B/64MiB.bin" "$WORK/got"; same "$WORK/64MiB.bin" "$WORK/got" "aws 64 MiB"
aws s3 rm "s3://$B/64MiB.bin"
aws s3 rm --recursive "s3://$B/dir"
[ -z "$(aws s3 ls --recursive "s3://$B")" ] || fail "aws: bucket not empty after deletes"
aws s3 rb "s3://$B"
grep -q " $B\$" <<<"$(aws s3 ls)" && fail "aws: bucket still listed after rb"
echo "ok: aws-cli"

# --- s3cmd ---------------------------------------------------------------------------------
say "s3cmd"
cat >"$WORK/s3cmd.cfg" <<EOF
[default]
access_key = $KEY_ID
secret_key = $SECRET
host_base = $HOSTPORT
host_bucket = $HOSTPORT
use_https = False
signature_v2 = False
bucket_location = us-east-1
multipart_chunk_size_mb = 15
EOF
s3cmd() { "$S3CMD" -c "$WORK/s3cmd.cfg" --no-progress "$@"; }
B=cli-s3cmd
s3cmd mb "s3://$B"
s3cmd put "$WORK/small.bin" "s3://$B/dir/small.bin"
s3cmd put --disable-multipart "$WORK/20MiB.bin" "s3://$B/dir/20MiB.bin"
s3cmd put "$WORK/64MiB.bin" "s3://$B/64MiB.bin"
# s3cmd info shows the MD5 it keeps in its own metadata, so read the ETag with aws-cli.
multipart_etag "$(etag_of "$B" 64MiB.bin)" "s3cmd put 64 MiB"
listed "$(s3cmd ls --recursive "s3://$B")" dir/small.bin dir/20MiB.bin 64MiB.bin
listed "$(s3cmd ls "s3://$B")" "DIR" "s3://$B/dir/" 64MiB.bin
s3cmd get "s3://$B/dir/small.bin" "$WORK/got"; same "$WORK/small.bin" "$WORK/got" "s3cmd small"
s3cmd get "s3://$B/dir/20MiB.bin" "$WORK/got"; same "$WORK/20MiB.bin" "$WORK/got" "s3cmd 20 MiB"
s3cmd get "s3://$B/64MiB.bin" "$WORK/got"; same "$WORK/64MiB.bin" "$WORK/got" "s3cmd 64 MiB"
s3cmd del "s3://$B/64MiB.bin"
s3cmd del --recursive --force "s3://$B/dir/"
[ -z "$(s3cmd ls --recursive "s3://$B")" ] || fail "s3cmd: bucket not empty after deletes"
s3cmd rb "s3://$B"
grep -q "s3://$B\$" <<<"$(s3cmd ls)" && fail "s3cmd: bucket still listed after rb"
echo "ok: s3cmd"

# --- rclone --------------------------------------------------------------------------------
say "rclone"
cat >"$WORK/rclone.conf" <<EOF
[pollen]
type = s3
provider = Other
access_key_id = $KEY_ID
secret_access_key = $SECRET
endpoint = $ENDPOINT
region = us-east-1
force_path_style = true
EOF
# 20 MiB stays below the upload cutoff (one PUT); 64 MiB goes up in 8 MiB parts.
rclone() { "$RCLONE" --config "$WORK/rclone.conf" --s3-upload-cutoff 32M --s3-chunk-size 8M "$@"; }
B=cli-rclone
rclone mkdir "pollen:$B"
rclone copyto "$WORK/small.bin" "pollen:$B/dir/small.bin"
rclone copyto "$WORK/20MiB.bin" "pollen:$B/dir/20MiB.bin"
rclone copyto "$WORK/64MiB.bin" "pollen:$B/64MiB.bin"
multipart_etag "$(etag_of "$B" 64MiB.bin)" "rclone copyto 64 MiB"
listed "$(rclone lsf -R "pollen:$B")" dir/small.bin dir/20MiB.bin 64MiB.bin
listed "$(rclone lsf "pollen:$B")" dir/ 64MiB.bin
# rclone's md5sum of a single-part object is its ETag: it must be the MD5 of the bytes.
[ "$(rclone md5sum "pollen:$B/dir/20MiB.bin" | cut -d' ' -f1)" = "$(md5sum "$WORK/20MiB.bin" | cut -d' ' -f1)" ] || fail "rclone md5sum differs from the MD5 of the 20 MiB file"
rclone copyto "pollen:$B/dir/small.bin" "$WORK/got"; same "$WORK/small.bin" "$WORK/got" "rclone small"
rclone copyto "pollen:$B/dir/20MiB.bin" "$WORK/got"; same "$WORK/20MiB.bin" "$WORK/got" "rclone 20 MiB"
rclone copyto "pollen:$B/64MiB.bin" "$WORK/got"; same "$WORK/64MiB.bin" "$WORK/got" "rclone 64 MiB"
rclone deletefile "pollen:$B/64MiB.bin"
rclone delete "pollen:$B/dir"
[ -z "$(rclone lsf -R "pollen:$B")" ] || fail "rclone: bucket not empty after deletes"
rclone rmdir "pollen:$B"
grep -q "^$B/\$" <<<"$(rclone lsf "pollen:")" && fail "rclone: bucket still listed after rmdir"
echo "ok: rclone"

# --- restic --------------------------------------------------------------------------------
say "restic"
mkdir -p "$WORK/src/sub"
cp "$WORK/20MiB.bin" "$WORK/src/20MiB.bin"
for i in $(seq 1 50); do echo "file $i" >"$WORK/src/sub/f$i.txt"; done
restic() {
  AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$SECRET RESTIC_PASSWORD=pollen-ci RESTIC_CACHE_DIR="$WORK/restic-cache" \
    "$RESTIC" --quiet -r "s3:$ENDPOINT/cli-restic" "$@"
}
restic init
restic backup "$WORK/src"
echo "changed" >>"$WORK/src/sub/f1.txt"
restic backup "$WORK/src"
[ "$(restic snapshots --json | grep -o '"id"' | wc -l)" = 2 ] || fail "restic: two snapshots expected"
restic check --read-data
restic restore latest --target "$WORK/restored"
diff -r "$WORK/src" "$WORK/restored$WORK/src" || fail "restic: the restored tree differs from the source"
echo "ok: restic restore matches the source"
restic forget --keep-last 1 --prune
restic check
echo "ok: restic"

say "all clients passed"
