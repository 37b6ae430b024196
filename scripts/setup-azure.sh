#!/usr/bin/env bash
# Sets up keyless access from GitHub to one Azure OpenAI resource:
#   1. a user-assigned managed identity (created, or reused when it exists),
#   2. a federated credential that trusts GitHub OIDC tokens (added only if absent): those of one
#      repository (--repo), or, with --org, those of every repository of the organization that calls ONE
#      central reusable workflow (the customized subject repository_owner:ORG:job_workflow_ref:WORKFLOW),
#   3. the "Cognitive Services OpenAI User" role on the Azure OpenAI resource only (added only if absent),
#   4. with --org --opt-in: the repositories' subject template set to that customized subject (gh api),
# then prints the client-id, the tenant-id and a workflow snippet. Safe to run again: a second run creates
# nothing. No secrets are involved: client-id and tenant-id are identifiers, not credentials.
# docs/org-rollout.md explains the organization mode and what opting in changes for a repository.
set -euo pipefail

readonly ROLE='Cognitive Services OpenAI User'
readonly GITHUB_ISSUER='https://token.actions.githubusercontent.com'
# The customized subject template of the organization mode: the owner keeps other organizations out, the
# reusable workflow's path and ref keep every other workflow of the organization out
# (https://docs.github.com/en/actions/reference/security/oidc#customizing-the-subject-claims-for-an-organization-or-repository).
readonly ORG_CLAIM_KEYS='["repository_owner","job_workflow_ref"]'
readonly ORG_TEMPLATE="{\"use_default\":false,\"include_claim_keys\":$ORG_CLAIM_KEYS}"
# Entra's federated-credential names: 3-120 characters, letters, digits, '-' and '_'
# (https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations).
readonly CREDENTIAL_NAME_MAX=120

usage() {
  cat <<'EOF'
Usage: scripts/setup-azure.sh --repo OWNER/REPO --resource-group RG --account OPENAI_ACCOUNT
                              (--environment NAME | --pull-request) [options]
       scripts/setup-azure.sh --org ORG --workflow ORG/REPO/.github/workflows/FILE.yml@REF
                              --resource-group RG --account OPENAI_ACCOUNT [--opt-in REPO,...] [options]

One repository:
  --repo OWNER/REPO          the GitHub repository that runs the workflow
  --environment NAME         trust jobs that use this GitHub environment (recommended)
  --pull-request             trust every pull_request job of the repo (subject repo:OWNER/REPO:pull_request)

A whole organization (docs/org-rollout.md):
  --org ORG                  the organization whose repositories call the central workflow
  --workflow PATH@REF        the central reusable workflow, REF as in job_workflow_ref: refs/heads/BRANCH,
                             refs/tags/TAG or a commit SHA (callers must call it at exactly that ref)
  --opt-in REPO,...          set these repositories' OIDC subject template to repository_owner +
                             job_workflow_ref (gh api, as a repository admin). This changes the subject of
                             EVERY OIDC token in those repositories, for every workflow that uses OIDC.

Required in both modes:
  --resource-group RG        resource group of the Azure OpenAI account (the identity is created there too)
  --account NAME             the Azure OpenAI / Foundry account (az cognitiveservices account list -o table)

Options:
  --identity-name NAME       managed identity name (default: gh-pr-summary)
  --location LOCATION        region for a new identity (default: the resource group's)
  --deployment NAME          deployment name to put in the printed workflow snippet
  --cloud NAME               AzureCloud | AzureUSGovernment | AzureChinaCloud (default: the az CLI's cloud)
  --issuer URL               OIDC issuer; GitHub Enterprise Server: https://HOST/_services/token
  --print                    print the az (and gh) commands instead of running them
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
location='' deployment='' cloud='' issuer="$GITHUB_ISSUER" print_only=false org='' workflow='' opt_in=''

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
    --org) need_value "$@"; org=$2; shift 2 ;;
    --workflow) need_value "$@"; workflow=$2; shift 2 ;;
    --opt-in) need_value "$@"; opt_in=$2; shift 2 ;;
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

readonly NAME_RE='^[A-Za-z0-9][A-Za-z0-9-]*$' REPO_NAME_RE='^[A-Za-z0-9._-]+$'
opt_in_repos=()
if [[ -n $org ]]; then
  [[ -z $repo ]] || die '--org and --repo are two setups (a whole organization, one repository); pass only one'
  [[ -z $environment && $pull_request == false ]] ||
    die '--environment and --pull-request are for --repo; with --org the subject names the central workflow'
  [[ $org =~ $NAME_RE ]] || die "--org '$org' is not an organization name; pass it as on GitHub, e.g. --org octo-org"
  [[ -n $workflow ]] ||
    die "--workflow is required with --org: the central reusable workflow, e.g. --workflow $org/.github/.github/workflows/pr-summary.yml@refs/heads/main"
  [[ $workflow =~ ^([^/]+)/([^/]+)/(\.github/workflows/[^@]+\.ya?ml)@(.+)$ ]] ||
    die "--workflow '$workflow' is not OWNER/REPO/.github/workflows/FILE.yml@REF, e.g. $org/.github/.github/workflows/pr-summary.yml@refs/heads/main"
  workflow_owner=${BASH_REMATCH[1]} workflow_repo=${BASH_REMATCH[2]} workflow_path=${BASH_REMATCH[3]} workflow_ref=${BASH_REMATCH[4]}
  [[ $workflow_owner == "$org" ]] ||
    die "--workflow lives in '$workflow_owner', not in --org '$org' (same spelling, case included); keep the central workflow in the organization it serves"
  [[ $workflow_repo =~ $REPO_NAME_RE && $workflow_path =~ ^[A-Za-z0-9._/-]+$ ]] ||
    die "--workflow '$workflow' has characters GitHub does not allow in a repository name or workflow path"
  # job_workflow_ref carries the ref as the caller wrote it, fully qualified: a bare branch name never matches.
  [[ $workflow_ref =~ ^refs/(heads|tags)/[A-Za-z0-9._/-]+$ || $workflow_ref =~ ^[0-9a-f]{40}$ ]] ||
    die "--workflow ref '$workflow_ref' must be written as in the job_workflow_ref claim: refs/heads/$workflow_ref (branch), refs/tags/$workflow_ref (tag) or a 40-character commit SHA"
  IFS=',' read -r -a requested <<<"$opt_in"
  for name in "${requested[@]}"; do
    name=${name// /}
    [[ -n $name ]] || continue
    [[ $name == */* ]] || name="$org/$name"
    [[ ${name%%/*} == "$org" ]] || die "--opt-in '$name' is not a repository of --org '$org'; only the organization's own repositories can be admitted"
    [[ ${name#*/} =~ $REPO_NAME_RE ]] || die "--opt-in '$name' is not a repository name"
    opt_in_repos+=("$name")
  done
else
  [[ -z $workflow && -z $opt_in ]] || die '--workflow and --opt-in belong to --org; add --org ORG'
  [[ -n $repo ]] ||
    die '--repo (one repository) or --org (a whole organization) is required, e.g. --repo octo-org/octo-repo'
  [[ $repo =~ ^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$ ]] ||
    die "--repo '$repo' is not OWNER/REPO; pass it as on GitHub, e.g. --repo octo-org/octo-repo"
fi
[[ -n $resource_group ]] || die '--resource-group is required: the resource group of the Azure OpenAI account'
[[ $resource_group =~ ^[A-Za-z0-9._()-]{1,90}$ && $resource_group != *. ]] ||
  die "--resource-group '$resource_group' is not a resource group name; list them with: az group list -o table"
[[ -n $account ]] || die '--account is required: the Azure OpenAI account name (az cognitiveservices account list -o table)'
[[ $account =~ ^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$ ]] ||
  die "--account '$account' is not an account name; pass the name, not the endpoint URL (az cognitiveservices account list -o table)"
if [[ -n $environment && $pull_request == true ]]; then
  die '--environment and --pull-request pick the same thing (the token subject); pass only one'
fi
[[ -n $org || -n $environment || $pull_request == true ]] ||
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

if [[ -n $org ]]; then
  subject="repository_owner:$org:job_workflow_ref:$workflow"
  workflow_file=${workflow_path##*/}
  ref_label=${workflow_ref#refs/*/}
  [[ ! $workflow_ref =~ ^[0-9a-f]{40}$ ]] || ref_label=${workflow_ref:0:12}
  credential_name="github-org-$org-${workflow_file%.*}-$ref_label"
elif [[ -n $environment ]]; then
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

opt_in_path() {
  printf 'repos/%s/actions/oidc/customization/sub' "$1"
}

print_opt_in() {
  printf "echo '%s' | gh api --method PUT %s --input -\n" "$ORG_TEMPLATE" "$(opt_in_path "$1")"
}

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
  if [[ -n $org ]]; then
    printf '\n# Opt repositories in, as a repository admin (gh auth login). This changes the subject of EVERY OIDC token\n'
    printf '# in each repository, for every workflow that uses OIDC there (docs/org-rollout.md):\n'
    if [[ ${#opt_in_repos[@]} -eq 0 ]]; then
      print_opt_in "$org/REPO"
    else
      for name in "${opt_in_repos[@]}"; do print_opt_in "$name"; done
    fi
  fi
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

# Reads each repository's template first: one already opted in is left alone, and one customized
# differently by someone else is not overwritten (its other OIDC users depend on that subject).
if [[ ${#opt_in_repos[@]} -gt 0 ]]; then
  command -v gh >/dev/null 2>&1 ||
    fail 'the GitHub CLI (gh) is not on PATH for --opt-in; install it (https://cli.github.com) or print the calls with --print'
  for name in "${opt_in_repos[@]}"; do
    current=$(gh api "$(opt_in_path "$name")" \
      --jq 'if .use_default then "default" else ((.include_claim_keys // []) | join(",")) end' 2>"$errors") || {
      cat "$errors" >&2
      fail "could not read the OIDC subject template of $name (see gh's message above); check the name and that gh is logged in as an admin of it (gh auth status)"
    }
    case $current in
      repository_owner,job_workflow_ref)
        step "$name already uses the subject repository_owner + job_workflow_ref" ;;
      default)
        gh api --method PUT "$(opt_in_path "$name")" --input - <<<"$ORG_TEMPLATE" >/dev/null
        step "$name opted in: its OIDC tokens now carry repository_owner:$org:job_workflow_ref:<the job's workflow>" ;;
      *)
        fail "$name already has its own OIDC subject template (${current:-the organization template}); other workflows there rely on it, so it is left as is: change it by hand (docs/org-rollout.md) or leave $name out of --opt-in" ;;
    esac
  done
fi

cloud_line=''
[[ $cloud == AzureCloud ]] || cloud_line=$'\n'"          cloud: $cloud"
environment_line=''
[[ -z $environment ]] || environment_line=$'\n'"    environment: $environment"

if [[ -n $org ]]; then
  cat <<EOF

client-id: $client_id
tenant-id: $tenant_id
endpoint:  $endpoint

The federated credential trusts: $subject
Write these values into the central workflow (templates/org/pr-summary.yml, committed as
$workflow_owner/$workflow_repo/$workflow_path): they are identifiers, not secrets, and fixing them there is
what keeps repositories from pointing this identity at another endpoint.

Opt other repositories in as their admin (this changes the subject of EVERY OIDC token in them; docs/org-rollout.md):
  $(print_opt_in "$org/REPO")

Then add the caller (templates/org/caller.yml) to each opted-in repository:

on:
  pull_request:
    types: [opened, synchronize, reopened, ready_for_review]
permissions: {}
jobs:
  summary:
    permissions:
      contents: read
      pull-requests: write
      id-token: write
    uses: $workflow_owner/$workflow_repo/$workflow_path@${workflow_ref#refs/*/}
EOF
  exit 0
fi

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
      group: pr-summary-\${{ github.workflow }}-\${{ github.event.pull_request.number }}
      cancel-in-progress: true
    steps:
      - uses: OWNER/azure-openai-pr-summary@v1
        with:
          endpoint: \${{ vars.AZURE_OPENAI_ENDPOINT }}
          deployment: \${{ vars.AZURE_OPENAI_DEPLOYMENT }}
          client-id: \${{ vars.AZURE_CLIENT_ID }}
          tenant-id: \${{ vars.AZURE_TENANT_ID }}$cloud_line
EOF
