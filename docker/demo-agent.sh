#!/bin/sh
# The agent side of the compose demo, with nothing but busybox wget and psql:
#   1. get a workload JWT (Vault's OIDC identity provider stands in for SPIFFE / Kubernetes / CI),
#   2. declare a task with the db-readonly profile, 3. get PostgreSQL credentials through Tessera,
#   4. query the database, 5. complete the task, 6. watch the same credentials stop working.
set -eu
VAULT=${VAULT_ADDR:-http://vault:8200}
TESSERA=${TESSERA_URL:-http://tessera:8080}
export PGCONNECT_TIMEOUT=3

# First string value of a JSON key (good enough for the flat fields used here).
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" | head -n 1; }
post() { wget -qO- --header 'Content-Type: application/json' --header "Authorization: Bearer $JWT" --post-data "$2" "$TESSERA$1"; }

echo "1. workload identity from Vault's OIDC provider"
VT=$(wget -qO- --post-data '{"password":"demo-agent-password"}' "$VAULT/v1/auth/userpass/login/demo-agent" | field client_token)
JWT=$(wget -qO- --header "X-Vault-Token: $VT" "$VAULT/v1/identity/oidc/token/agent" | field token)
echo "   got a JWT for audience tessera (${#JWT} bytes)"

echo "2. declare the task"
TASK=$(post /v1/tasks '{"intent":"count the open tickets","scopes":[{"profile":"db-readonly"}],"ttl_seconds":600}' | field task_id)
echo "   task $TASK"

echo "3. ask Tessera for database credentials"
GRANT=$(post "/v1/tasks/$TASK/credentials" '{"profile":"db-readonly","ttl_seconds":300,"reason":"count tickets"}')
DBUSER=$(echo "$GRANT" | field username)
DBPASS=$(echo "$GRANT" | field password)
echo "   lease $(echo "$GRANT" | field lease_id): PostgreSQL user $DBUSER, expires $(echo "$GRANT" | field expires_at)"

echo "4. use them"
PGPASSWORD=$DBPASS psql -h postgres -U "$DBUSER" -d app -tAc "SELECT 'open tickets: ' || count(*) FROM tickets WHERE status = 'open'"

echo "5. complete the task"
post "/v1/tasks/$TASK/complete" '{"outcome":"succeeded"}' >/dev/null

echo "6. try the same credentials again"
i=0
while PGPASSWORD=$DBPASS psql -h postgres -U "$DBUSER" -d app -tAc 'SELECT 1' >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -ge 10 ]; then echo "   FAILED: the credentials still work"; exit 1; fi
  sleep 1
done
echo "   refused: Vault revoked the lease when the task ended. Demo complete."
