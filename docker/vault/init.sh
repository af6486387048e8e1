#!/bin/sh
# Configures the dev-mode Vault of docker-compose.yml for Tessera (runs once, in the hashicorp/vault image,
# with VAULT_ADDR and VAULT_TOKEN=root). WARNING: demo values; every id and password here is public.
#   database engine:   https://developer.hashicorp.com/vault/docs/secrets/databases/postgresql
#   token roles:       https://developer.hashicorp.com/vault/api-docs/auth/token#create-update-token-role
#   AppRole:           https://developer.hashicorp.com/vault/api-docs/auth/approle
#   identity tokens:   https://developer.hashicorp.com/vault/api-docs/secret/identity/tokens
set -eu

until vault status >/dev/null 2>&1; do sleep 1; done

echo "1/5 database secrets engine -> postgres/app, role 'readonly'"
vault secrets enable database >/dev/null 2>&1 || true
vault write database/config/app \
  plugin_name=postgresql-database-plugin \
  connection_url='postgresql://{{username}}:{{password}}@postgres:5432/app?sslmode=disable' \
  username=vault_admin \
  password=vault-admin-password \
  allowed_roles=readonly
vault write database/roles/readonly \
  db_name=app \
  creation_statements="CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT CONNECT ON DATABASE app TO \"{{name}}\"; GRANT USAGE ON SCHEMA public TO \"{{name}}\"; GRANT SELECT ON ALL TABLES IN SCHEMA public TO \"{{name}}\";" \
  default_ttl=1h \
  max_ttl=24h

echo "2/5 policies: tessera (least privilege, generated from config/compose.yaml), agent-kv, agent-identity"
vault policy write tessera /init/tessera.hcl
vault policy write agent-kv /init/agent-kv.hcl
vault policy write agent-identity /init/agent-identity.hcl
vault kv put secret/agents/demo greeting="hello from a task-bound Vault token" >/dev/null

echo "3/5 token role 'agent' (Tessera creates agent tokens through it without holding agent-kv itself)"
vault write auth/token/roles/agent allowed_policies=agent-kv renewable=false token_explicit_max_ttl=1h

echo "4/5 AppRole 'tessera': Tessera's own identity (periodic token, renewed by Tessera)"
vault auth enable approle >/dev/null 2>&1 || true
vault write auth/approle/role/tessera token_policies=tessera token_period=1h secret_id_ttl=0
vault write auth/approle/role/tessera/role-id role_id=tessera-compose-role
vault write auth/approle/role/tessera/custom-secret-id secret_id=tessera-compose-secret >/dev/null 2>&1 || true

echo "5/5 agents' workload identity: Vault OIDC tokens (iss http://vault:8200/v1/identity/oidc, aud tessera)"
vault write identity/oidc/config issuer=http://vault:8200 >/dev/null
vault write identity/oidc/key/agents algorithm=RS256 allowed_client_ids=tessera rotation_period=24h verification_ttl=24h
vault write identity/oidc/role/agent key=agents client_id=tessera ttl=15m
vault auth enable userpass >/dev/null 2>&1 || true
vault write auth/userpass/users/demo-agent password=demo-agent-password token_policies=agent-identity

echo "vault is ready for tessera"
