#!/usr/bin/env bash
# Sets up keyless access from one GitHub repository to one Azure OpenAI resource:
#   1. a user-assigned managed identity (created, or reused when it exists),
#   2. a federated credential that trusts the repository's GitHub OIDC tokens (added only if absent),
#   3. the "Cognitive Services OpenAI User" role on the Azure OpenAI resource only (added only if absent),
# then prints the client-id, the tenant-id and a workflow snippet. Safe to run again: a second run creates
# nothing. No secrets are involved: client-id and tenant-id are identifiers, not credentials.
set -euo pipefail

readonly ROLE='Cognitive Services OpenAI User'
readonly GITHUB_ISSUER='https://token.actions.githubusercontent.com'
# Entra's federated-credential names: 3-120 characters, letters, digits, '-' and '_'
# (https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations).
readonly CREDENTIAL_NAME_MAX=120

usage() {
  cat <<'EOF'
Usage: scripts/setup-azure.sh --repo OWNER/REPO --resource-group RG --account OPENAI_ACCOUNT
                              (--environment NAME | --pull-request) [options]

Required:
  --repo OWNER/REPO          the GitHub repository that runs the workflow
  --resource-group RG        resource group of the Azure OpenAI account (the identity is created there too)
  --account NAME             the Azure OpenAI / Foundry account (az cognitiveservices account list -o table)
  --environment NAME         trust jobs that use this GitHub environment (recommended)
  --pull-request             trust every pull_request job of the repo (subject repo:OWNER/REPO:pull_request)

Options:
  --identity-name NAME       managed identity name (default: gh-pr-summary)
  --location LOCATION        region for a new identity (default: the resource group's)
  --deployment NAME          deployment name to put in the printed workflow snippet
  --cloud NAME               AzureCloud | AzureUSGovernment | AzureChinaCloud (default: the az CLI's cloud)
  --issuer URL               OIDC issuer; GitHub Enterprise Server: https://HOST/_services/token
  --print                    print the az commands instead of running them
  -h, --help                 show this help
EOF
}

die() {
  printf 'setup-azure: %s\n' "$1" >&2
  exit 2
}

fail() {
  printf 'setup-azure: %s\n' "$1" >&2
  exit 1
}

step() {
  printf '%s\n' "$1" >&2
}

# Prints one command so it can be pasted into a shell: plain words as they are, others single-quoted.
show_command() {
  local out='' arg
  for arg in "$@"; do
    if [[ $arg =~ ^[A-Za-z0-9_./:@=,+-]+$ || $arg == \"\$\(*\)\" ]]; then
      out+=" $arg"
    else
      out+=" '${arg//\'/\'\\\'\'}'"
    fi
  done
  printf '%s\n' "${out# }"
}

repo='' resource_group='' account='' environment='' pull_request=false identity_name='gh-pr-summary'
location='' deployment='' cloud='' issuer="$GITHUB_ISSUER" print_only=false

need_value() {
  [[ $# -ge 2 && -n $2 && $2 != --* ]] || die "$1 needs a value; see --help"
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --repo) need_value "$@"; repo=$2; shift 2 ;;
    --resource-group) need_value "$@"; resource_group=$2; shift 2 ;;
    --account) need_value "$@"; account=$2; shift 2 ;;
    --environment) need_value "$@"; environment=$2; shift 2 ;;
    --pull-request) pull_request=true; shift ;;
    --identity-name) need_value "$@"; identity_name=$2; shift 2 ;;
    --location) need_value "$@"; location=$2; shift 2 ;;
    --deployment) need_value "$@"; deployment=$2; shift 2 ;;
    --cloud) need_value "$@"; cloud=$2; shift 2 ;;
    --issuer) need_value "$@"; issuer=$2; shift 2 ;;
    --print) print_only=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1'; see --help" ;;
  esac
done

[[ -n $repo ]] || die '--repo is required: the repository that runs the workflow, e.g. --repo octo-org/octo-repo'
[[ $repo =~ ^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$ ]] ||
  die "--repo '$repo' is not OWNER/REPO; pass it as on GitHub, e.g. --repo octo-org/octo-repo"
[[ -n $resource_group ]] || die '--resource-group is required: the resource group of the Azure OpenAI account'
[[ $resource_group =~ ^[A-Za-z0-9._()-]{1,90}$ && $resource_group != *. ]] ||
  die "--resource-group '$resource_group' is not a resource group name; list them with: az group list -o table"
[[ -n $account ]] || die '--account is required: the Azure OpenAI account name (az cognitiveservices account list -o table)'
[[ $account =~ ^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$ ]] ||
  die "--account '$account' is not an account name; pass the name, not the endpoint URL (az cognitiveservices account list -o table)"
if [[ -n $environment && $pull_request == true ]]; then
  die '--environment and --pull-request pick the same thing (the token subject); pass only one'
fi
[[ -n $environment || $pull_request == true ]] ||
  die 'choose whom Azure trusts: --environment NAME (recommended) or --pull-request'
[[ -z $environment || $environment =~ ^[A-Za-z0-9._\ -]{1,255}$ ]] ||
  die "--environment '$environment' is not a GitHub environment name (letters, digits, spaces, . _ -)"
[[ $identity_name =~ ^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$ ]] ||
  die "--identity-name '$identity_name' must be 3-128 letters, digits, - or _, starting with a letter or digit"
[[ -z $location || $location =~ ^[a-z0-9]+$ ]] ||
  die "--location '$location' is not a region name such as eastus or swedencentral (az account list-locations -o table)"
[[ -z $deployment || $deployment =~ ^[A-Za-z0-9._-]{1,64}$ ]] ||
  die "--deployment '$deployment' is not a deployment name (az cognitiveservices account deployment list -o table)"
[[ $issuer =~ ^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._/-]*)?$ ]] ||
  die "--issuer '$issuer' is not an https URL; GitHub Enterprise Server uses https://HOST/_services/token"

if [[ -n $environment ]]; then
  subject="repo:$repo:environment:$environment"
  credential_name="github-${repo//\//-}-env-$environment"
else
  subject="repo:$repo:pull_request"
  credential_name="github-${repo//\//-}-pull-request"
fi
credential_name=${credential_name//[^A-Za-z0-9_-]/-}
credential_name=${credential_name:0:CREDENTIAL_NAME_MAX}

# The audience GitHub must put in the OIDC token differs per cloud
# (https://learn.microsoft.com/entra/workload-id/workload-identity-federation-create-trust).
audience_for() {
  case $1 in
    AzureCloud) printf 'api://AzureADTokenExchange' ;;
    AzureUSGovernment) printf 'api://AzureADTokenExchangeUSGov' ;;
    AzureChinaCloud) printf 'api://AzureADTokenExchangeChina' ;;
    *) die "--cloud '$1' is not supported; use AzureCloud, AzureUSGovernment or AzureChinaCloud" ;;
  esac
}

[[ -z $cloud ]] || audience_for "$cloud" >/dev/null

if [[ $print_only == true ]]; then
  audience=$(audience_for "${cloud:-AzureCloud}")
  create_identity=(az identity create --name "$identity_name" --resource-group "$resource_group")
  [[ -z $location ]] || create_identity+=(--location "$location")
  printf '# Run these with the az CLI logged in to the subscription of %s (az login; az account set -s …):\n' "$account"
  show_command "${create_identity[@]}"
  show_command az identity federated-credential create --name "$credential_name" \
    --identity-name "$identity_name" --resource-group "$resource_group" \
    --issuer "$issuer" --subject "$subject" --audiences "$audience"
  show_command az role assignment create \
    --assignee-object-id "\"\$(az identity show --name $identity_name --resource-group $resource_group --query principalId -o tsv)\"" \
    --assignee-principal-type ServicePrincipal --role "$ROLE" \
    --scope "\"\$(az cognitiveservices account show --name $account --resource-group $resource_group --query id -o tsv)\""
  show_command az identity show --name "$identity_name" --resource-group "$resource_group" \
    --query '{clientId:clientId, tenantId:tenantId}' -o table
  exit 0
fi

command -v az >/dev/null 2>&1 ||
  fail 'the Azure CLI (az) is not on PATH; install it (https://aka.ms/installazurecli) or run with --print'

tenant_id=$(az account show --query tenantId -o tsv) ||
  fail 'the Azure CLI is not logged in; run az login (and az account set --subscription ID), then run this again'
[[ -n $cloud ]] || cloud=$(az cloud show --query name -o tsv)
audience=$(audience_for "$cloud")

scope=$(az cognitiveservices account show --name "$account" --resource-group "$resource_group" --query id -o tsv) ||
  fail "no Azure OpenAI account '$account' in resource group '$resource_group' of this subscription; check with: az cognitiveservices account list -o table"
endpoint=$(az cognitiveservices account show --name "$account" --resource-group "$resource_group" \
  --query properties.endpoint -o tsv)

errors=$(mktemp)
trap 'rm -f "$errors"' EXIT

# `show` fails both for "absent" and for real errors (no permission, wrong subscription); only the
# first may lead to `create`, the others must stop here with az's own message.
absent() {
  grep -qiE 'ResourceNotFound|NotFound|was not found|could not be found' "$errors"
}

if client_id=$(az identity show --name "$identity_name" --resource-group "$resource_group" --query clientId -o tsv 2>"$errors"); then
  step "identity $identity_name exists"
elif absent; then
  create_identity=(az identity create --name "$identity_name" --resource-group "$resource_group")
  [[ -z $location ]] || create_identity+=(--location "$location")
  client_id=$("${create_identity[@]}" --query clientId -o tsv)
  step "identity $identity_name created"
else
  cat "$errors" >&2
  fail "could not read identity '$identity_name' in '$resource_group' (see az's message above)"
fi
principal_id=$(az identity show --name "$identity_name" --resource-group "$resource_group" --query principalId -o tsv)

if existing_subject=$(az identity federated-credential show --name "$credential_name" --identity-name "$identity_name" \
  --resource-group "$resource_group" --query subject -o tsv 2>"$errors"); then
  [[ $existing_subject == "$subject" ]] ||
    fail "federated credential '$credential_name' exists with subject '$existing_subject', not '$subject'; delete it (az identity federated-credential delete --name $credential_name --identity-name $identity_name --resource-group $resource_group) and run this again"
  step "federated credential $credential_name exists ($subject)"
elif absent; then
  az identity federated-credential create --name "$credential_name" --identity-name "$identity_name" \
    --resource-group "$resource_group" --issuer "$issuer" --subject "$subject" --audiences "$audience" --output none
  step "federated credential $credential_name created ($subject)"
else
  cat "$errors" >&2
  fail "could not read federated credential '$credential_name' of identity '$identity_name' (see az's message above)"
fi

assignments=$(az role assignment list --assignee "$principal_id" --role "$ROLE" --scope "$scope" --query '[].id' -o tsv)
if [[ -n $assignments ]]; then
  step "role '$ROLE' already assigned on $account"
else
  # --assignee-object-id with a principal type skips the Graph lookup, which can miss an identity that
  # was created seconds ago (https://learn.microsoft.com/azure/role-based-access-control/role-assignments-cli).
  az role assignment create --assignee-object-id "$principal_id" --assignee-principal-type ServicePrincipal \
    --role "$ROLE" --scope "$scope" --output none
  step "role '$ROLE' assigned on $account (it can take up to 10 minutes to apply)"
fi

cloud_line=''
[[ $cloud == AzureCloud ]] || cloud_line=$'\n'"          cloud: $cloud"
environment_line=''
[[ -z $environment ]] || environment_line=$'\n'"    environment: $environment"

cat <<EOF

client-id: $client_id
tenant-id: $tenant_id
endpoint:  $endpoint

Store them as repository variables (they are identifiers, not secrets):
  gh variable set AZURE_CLIENT_ID --repo $repo --body $client_id
  gh variable set AZURE_TENANT_ID --repo $repo --body $tenant_id
  gh variable set AZURE_OPENAI_ENDPOINT --repo $repo --body $endpoint
  gh variable set AZURE_OPENAI_DEPLOYMENT --repo $repo --body ${deployment:-YOUR-DEPLOYMENT}

Workflow (.github/workflows/pr-summary.yml):

on:
  pull_request:
    types: [opened, synchronize, reopened, ready_for_review]
permissions: {}
jobs:
  summary:
    runs-on: ubuntu-latest$environment_line
    permissions:
      contents: read
      pull-requests: write
      id-token: write
    concurrency:
      group: pr-summary-\${{ github.event.pull_request.number }}
      cancel-in-progress: true
    steps:
      - uses: OWNER/azure-openai-pr-summary@v1
        with:
          endpoint: \${{ vars.AZURE_OPENAI_ENDPOINT }}
          deployment: \${{ vars.AZURE_OPENAI_DEPLOYMENT }}
          client-id: \${{ vars.AZURE_CLIENT_ID }}
          tenant-id: \${{ vars.AZURE_TENANT_ID }}$cloud_line
EOF
