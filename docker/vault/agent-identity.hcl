# Lets the demo agent obtain its workload JWT (audience `tessera`) from Vault's OIDC identity provider.
# https://developer.hashicorp.com/vault/api-docs/secret/identity/tokens#generate-a-signed-id-token
path "identity/oidc/token/agent" {
  capabilities = ["read"]
}
