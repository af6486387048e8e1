# Policy of the Vault tokens agents receive through the `vault-token` profile (token role `agent`).
path "secret/data/agents/*" {
  capabilities = ["read"]
}
