export const id = 999;
export const ids = [999];
export const modules = {

/***/ 1999:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  ASSERTION_REUSE_MARGIN_MS: () => (/* binding */ ASSERTION_REUSE_MARGIN_MS),
  FEDERATION_PROPAGATION_DELAYS_MS: () => (/* binding */ FEDERATION_PROPAGATION_DELAYS_MS),
  OidcUnavailable: () => (/* binding */ OidcUnavailable),
  TOKEN_REFRESH_MARGIN_MS: () => (/* binding */ TOKEN_REFRESH_MARGIN_MS),
  createAssertionProvider: () => (/* binding */ createAssertionProvider),
  createAuth: () => (/* binding */ createAuth),
  explainEntraError: () => (/* binding */ explainEntraError),
  missingIdTokenPermissionMessage: () => (/* binding */ missingIdTokenPermissionMessage),
  resolveAuthMode: () => (/* binding */ resolveAuthMode),
  withFederationPropagationRetry: () => (/* binding */ withFederationPropagationRetry)
});

// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/proxy.ts
var src_proxy = __webpack_require__(8903);
;// CONCATENATED MODULE: ./src/jwt.ts
/**
 * Reading the claims of a JWT for messages and caching. Nothing here verifies a signature: the token
 * came straight from GitHub's OIDC endpoint, and Entra ID is the party that verifies it.
 */
/** The JSON payload of a compact JWT, or undefined when `token` is not one. */
function decodeJwtPayload(token) {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts[1])
        return undefined;
    try {
        const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
        return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
            ? payload
            : undefined;
    }
    catch {
        return undefined;
    }
}
/**
 * `iss`, `sub`, `aud` and `exp` of a GitHub OIDC token; missing claims read as ''. An array `aud`
 * (allowed by RFC 7519) is joined with commas.
 */
function readOidcClaims(token) {
    const payload = decodeJwtPayload(token);
    if (!payload)
        return undefined;
    const text = (value) => typeof value === 'string' ? value : Array.isArray(value) ? value.filter((v) => typeof v === 'string').join(',') : '';
    const exp = payload['exp'];
    return {
        iss: text(payload['iss']),
        sub: text(payload['sub']),
        aud: text(payload['aud']),
        ...(typeof exp === 'number' && Number.isFinite(exp) ? { exp } : {})
    };
}

;// CONCATENATED MODULE: ./src/auth.ts
/**
 * Azure credentials, one per auth mode, behind a single `getToken()`. The only importer of
 * @azure/identity, and it loads it lazily so the run can start reading the PR first.
 *
 * Proxies: @azure/identity sends its requests through @azure/core-rest-pipeline, whose default
 * pipeline has `proxyPolicy`, which reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY itself.
 */



/** The job has no GitHub OIDC token to offer: run.ts skips a fork PR, else fails with the fix. */
class OidcUnavailable extends errors/* ActionError */.l {
    constructor() {
        super(missingIdTokenPermissionMessage());
    }
}
/** One-line fix for a job that cannot request a GitHub OIDC token. */
function missingIdTokenPermissionMessage() {
    return ('This job cannot get a GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set): add ' +
        '`permissions: { id-token: write, contents: read, pull-requests: write }` to the job ' +
        '(pull requests from forks never get one under `pull_request`).');
}
/** MSAL asks for the assertion more than once per token; reuse it until this close to its `exp`. */
const ASSERTION_REUSE_MARGIN_MS = 60_000;
/** Renew an access token this long before it expires, as @azure/core-rest-pipeline's bearer policy does. */
const TOKEN_REFRESH_MARGIN_MS = 2 * 60_000;
/**
 * Waits before retrying a "no matching federated credential" answer: a credential added moments
 * ago can take a little while to reach every Entra ID replica. Three tries in all, then give up.
 */
const FEDERATION_PROPAGATION_DELAYS_MS = [2_000, 5_000];
/** Bounded retries of Entra ID / IMDS requests (throttling, 5xx, resets); @azure/identity's defaults, capped. */
const ENTRA_RETRY_OPTIONS = { maxRetries: 3, retryDelayInMs: 800, maxRetryDelayInMs: 8_000 };
/**
 * AADSTS codes for a GitHub token that matches no federated credential (70021 generic, 700211
 * issuer, 700212 audience, 700213 subject, 7002138 as listed in the action's contract).
 */
const NO_MATCHING_FEDERATED_CREDENTIAL = new Set([70021, 700211, 700212, 700213, 7002138]);
/**
 * The auth mode that will run. `auto`: oidc when client-id and tenant-id are known, else api-key when
 * an api-key is given, else DefaultAzureCredential.
 */
function resolveAuthMode(settings) {
    if (settings.auth !== 'auto')
        return settings.auth;
    if (settings.clientId && settings.tenantId)
        return 'oidc';
    if (settings.apiKey)
        return 'api-key';
    return 'default';
}
const LABELS = {
    oidc: 'keyless (OIDC)',
    'azure-cli': 'Azure CLI',
    'managed-identity': 'managed identity',
    'api-key': 'API key',
    default: 'DefaultAzureCredential'
};
/**
 * The credential for the resolved auth mode. Nothing is loaded or fetched until `getToken()`, which
 * rejects with `OidcUnavailable` (oidc) when the job has no OIDC token endpoint. Throws ActionError
 * at once for inputs the mode needs but lacks.
 */
function createAuth(settings, deps) {
    const mode = resolveAuthMode(settings);
    const label = LABELS[mode];
    switch (mode) {
        case 'api-key': {
            // settings.ts has made sure that the inputs each mode needs are there.
            deps.setSecret(settings.apiKey);
            deps.log.warning('Using an Azure OpenAI api-key. Keyless auth (GitHub OIDC, no stored secret) is preferred: set client-id and ' +
                'tenant-id and grant `id-token: write`, see the README section "Keyless setup (OIDC)".');
            return {
                mode,
                label,
                apiKey: settings.apiKey,
                getToken: () => Promise.reject(new Error('auth: api-key has no Azure access token; send the api-key header.'))
            };
        }
        case 'oidc': {
            const assertion = createAssertionProvider(deps, settings.audience);
            return tokenAuth(mode, label, settings, deps, assertion, async () => {
                // Checked on first use rather than in createAuth, so that run.ts can first choose between
                // a fork skip and the permission error.
                if (!deps.env['ACTIONS_ID_TOKEN_REQUEST_URL'])
                    throw new OidcUnavailable();
                const identity = await loadIdentity();
                return new identity.ClientAssertionCredential(settings.tenantId, settings.clientId, () => assertion.getAssertion(), {
                    authorityHost: settings.authorityHost,
                    disableInstanceDiscovery: settings.customAuthority,
                    retryOptions: ENTRA_RETRY_OPTIONS
                });
            });
        }
        case 'azure-cli':
            return tokenAuth(mode, label, settings, deps, undefined, async () => new (await loadIdentity()).AzureCliCredential({
                ...(settings.tenantId ? { tenantId: settings.tenantId } : {}),
                processTimeoutInMs: settings.timeoutSeconds * 1000
            }));
        case 'managed-identity':
            return tokenAuth(mode, label, settings, deps, undefined, async () => {
                const identity = await loadIdentity();
                return settings.clientId
                    ? new identity.ManagedIdentityCredential({ clientId: settings.clientId, retryOptions: ENTRA_RETRY_OPTIONS })
                    : new identity.ManagedIdentityCredential({ retryOptions: ENTRA_RETRY_OPTIONS });
            });
        case 'default':
            return tokenAuth(mode, label, settings, deps, undefined, async () => new (await loadIdentity()).DefaultAzureCredential({
                authorityHost: settings.authorityHost,
                disableInstanceDiscovery: settings.customAuthority,
                ...(settings.tenantId ? { tenantId: settings.tenantId } : {}),
                ...(settings.clientId ? { managedIdentityClientId: settings.clientId, workloadIdentityClientId: settings.clientId } : {}),
                processTimeoutInMs: settings.timeoutSeconds * 1000,
                retryOptions: ENTRA_RETRY_OPTIONS
            }));
    }
}
/** Loaded on first use: @azure/identity and MSAL are most of the action's start-up cost. */
function loadIdentity() {
    return __webpack_require__.e(/* import() */ 76).then(__webpack_require__.bind(__webpack_require__, 2076));
}
function tokenAuth(mode, label, settings, deps, assertion, makeCredential) {
    const now = deps.now ?? Date.now;
    let credential;
    let cached;
    // Concurrent model calls share one acquisition instead of each asking Entra ID.
    let pending;
    async function acquire() {
        let token;
        try {
            credential ??= await makeCredential();
            const current = credential;
            token = await withFederationPropagationRetry(() => current.getToken(settings.tokenScope, { abortSignal: AbortSignal.timeout(settings.timeoutSeconds * 1000) }), { log: deps.log, sleep: deps.sleep ?? sleep });
        }
        catch (error) {
            const claims = assertion?.claims;
            throw explainEntraError(error, { settings, env: deps.env, ...(claims ? { claims } : {}) });
        }
        if (!token?.token) {
            throw new errors/* ActionError */.l(`${label} returned no access token for ${settings.tokenScope}: check token-scope and cloud.`);
        }
        deps.setSecret(token.token);
        cached = token;
        return token.token;
    }
    return {
        mode,
        label,
        getToken() {
            if (cached && now() < (cached.refreshAfterTimestamp ?? cached.expiresOnTimestamp - TOKEN_REFRESH_MARGIN_MS)) {
                return Promise.resolve(cached.token);
            }
            pending ??= acquire().finally(() => {
                pending = undefined;
            });
            return pending;
        }
    };
}
function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
/**
 * Runs `attempt`, and again after each of `delaysMs` while Entra ID answers "no matching federated
 * credential" (see FEDERATION_PROPAGATION_DELAYS_MS). Any other error is thrown at once.
 */
async function withFederationPropagationRetry(attempt, options) {
    const delays = options.delaysMs ?? FEDERATION_PROPAGATION_DELAYS_MS;
    for (let retry = 0;; retry++) {
        try {
            return await attempt();
        }
        catch (error) {
            const delay = delays[retry];
            if (delay === undefined || !entraErrorCodes(error).some((code) => NO_MATCHING_FEDERATED_CREDENTIAL.has(code))) {
                throw error;
            }
            options.log.info(`Entra ID found no matching federated credential; a new one can take a moment to propagate, retrying in ${delay / 1000} s.`);
            await options.sleep(delay);
        }
    }
}
/**
 * A client-assertion callback for ClientAssertionCredential. MSAL calls it twice per acquisition, so
 * the token is reused until ASSERTION_REUSE_MARGIN_MS before its `exp` (a token without `exp` is
 * never reused), and an expired one is never sent (AADSTS700024). Each new token is masked at once;
 * its `iss`/`sub`/`aud` are logged the first time, as Azure/login does, so a federated-credential
 * mismatch can be read from the log.
 */
function createAssertionProvider(deps, audience) {
    const now = deps.now ?? Date.now;
    let cached;
    let pending;
    let claims;
    async function fetchAssertion() {
        let token;
        try {
            token = await deps.getIDToken(audience);
        }
        catch (error) {
            throw new errors/* ActionError */.l(`Could not get a GitHub OIDC token from the runner's OIDC endpoint (ACTIONS_ID_TOKEN_REQUEST_URL, ${describeOidcFailure(error)}): GitHub's token service is failing, re-run the job later (https://www.githubstatus.com).`, { cause: error });
        }
        if (!token)
            throw new errors/* ActionError */.l('The GitHub OIDC endpoint returned an empty token: re-run the job later (https://www.githubstatus.com).');
        deps.setSecret(token);
        const read = readOidcClaims(token);
        if (read && !claims)
            deps.log.info(`GitHub OIDC token: issuer ${read.iss}, subject ${read.sub}, audience ${read.aud}`);
        claims = read ?? claims;
        cached = read?.exp === undefined ? undefined : { token, reuseUntil: read.exp * 1000 - ASSERTION_REUSE_MARGIN_MS };
        return token;
    }
    return {
        getAssertion() {
            if (cached && now() < cached.reuseUntil)
                return Promise.resolve(cached.token);
            pending ??= fetchAssertion().finally(() => {
                pending = undefined;
            });
            return pending;
        },
        get claims() {
            return claims;
        }
    };
}
/** "status 503" from @actions/core's getIDToken error text ("… Error Code : 503 …"), else its first line. */
function describeOidcFailure(error) {
    const text = error instanceof Error ? error.message : String(error);
    const status = /Error Code\s*:\s*(\d{3})/.exec(text)?.[1];
    return status ? `status ${status}` : oneLine(text);
}
/**
 * Turns whatever @azure/identity threw into one line that says what is wrong and the fix. Pure.
 * AADSTS codes are read from `AuthenticationError.errorResponse.errorCodes`, from MSAL's
 * `ServerError.errorNo` (ClientAssertionCredential wraps it as the `cause` of an
 * AuthenticationRequiredError), and from "AADSTS<code>" in any message along the cause chain.
 */
function explainEntraError(error, ctx) {
    const { settings } = ctx;
    const chain = errorChain(error);
    const own = chain.find((e) => e instanceof errors/* ActionError */.l);
    if (own)
        return own;
    const mode = resolveAuthMode(settings);
    const codes = entraErrorCodes(error);
    const detail = entraDetail(chain);
    const cause = { cause: error };
    if (codes.some((code) => NO_MATCHING_FEDERATED_CREDENTIAL.has(code))) {
        const iss = ctx.claims?.iss || 'https://token.actions.githubusercontent.com';
        const sub = ctx.claims?.sub || '<subject from the log line "GitHub OIDC token: …">';
        const aud = ctx.claims?.aud || settings.audience;
        const code = codes.find((c) => NO_MATCHING_FEDERATED_CREDENTIAL.has(c));
        const parameters = JSON.stringify({ name: 'github-pr-summary', issuer: iss, subject: sub, audiences: [aud] });
        return new errors/* ActionError */.l(`Entra ID has no federated credential on client-id ${settings.clientId} that matches this job's GitHub OIDC token ` +
            `(AADSTS${code}; issuer ${iss}, subject ${sub}, audience ${aud}): add one with ` +
            `\`az ad app federated-credential create --id ${settings.clientId} --parameters ${shellQuote(parameters)}\`` +
            ` (for a user-assigned managed identity: \`az identity federated-credential create --name github-pr-summary ` +
            `--identity-name <identity-name> --resource-group <resource-group> --issuer ${shellQuote(iss)} ` +
            `--subject ${shellQuote(sub)} --audiences ${shellQuote(aud)}\`).`, cause);
    }
    if (codes.includes(700016)) {
        return new errors/* ActionError */.l(`Entra ID has no application with client-id ${settings.clientId} in tenant-id ${settings.tenantId} (AADSTS700016): ` +
            'check both inputs against the app registration\'s "Application (client) ID" and "Directory (tenant) ID".', cause);
    }
    if (codes.includes(90002)) {
        return new errors/* ActionError */.l(`Entra ID tenant ${settings.tenantId} was not found at ${settings.authorityHost} (AADSTS90002): check tenant-id, ` +
            `and cloud (${settings.cloud}) / authority-host for a sovereign cloud.`, cause);
    }
    if (codes.includes(700024)) {
        if (ctx.claims && ctx.claims.exp === undefined) {
            return new errors/* ActionError */.l('Entra ID refused the GitHub OIDC token because it has no `exp` claim (AADSTS700024): GitHub\'s token service always sets one, so check that ACTIONS_ID_TOKEN_REQUEST_URL points at it (https://token.actions.githubusercontent.com on github.com).', cause);
        }
        return new errors/* ActionError */.l('Entra ID says the GitHub OIDC token had expired (AADSTS700024): a fresh one is fetched for each exchange, so check that the runner\'s clock is in sync.', cause);
    }
    if (codes.includes(500011)) {
        return new errors/* ActionError */.l(`Entra ID knows no resource for token-scope ${settings.tokenScope} in tenant ${settings.tenantId} (AADSTS500011): check token-scope and cloud (${settings.cloud}).`, cause);
    }
    const authority = `${settings.authorityHost}/${settings.tenantId || 'organizations'}`;
    const env = ctx.env ?? {};
    const notJson = notJsonStatus(chain);
    if (notJson !== undefined) {
        return new errors/* ActionError */.l(`Entra ID answered with something that is not JSON (status ${notJson}) at ${authority}: check authority-host / cloud (${settings.cloud}), and any proxy or firewall that may answer in its place${proxyClause(env)}.`, cause);
    }
    const status = httpStatus(chain);
    if (status === 429 || (status !== undefined && status >= 500)) {
        return new errors/* ActionError */.l(`Entra ID at ${settings.authorityHost} is unavailable (status ${status}; ${detail}) after retries: this is transient, re-run the job later (https://azure.status.microsoft/status).`, cause);
    }
    const proxy = (0,src_proxy/* failedProxy */.Yp)(error, env);
    if (proxy) {
        return new errors/* ActionError */.l(`Could not reach Entra ID at ${settings.authorityHost}: ${(0,src_proxy/* describeProxyFailure */.ex)(proxy, new URL(settings.authorityHost).host)}.`, cause);
    }
    const network = networkFailure(chain);
    if (network) {
        return new errors/* ActionError */.l(`Could not reach Entra ID at ${settings.authorityHost} (${network}): check authority-host / cloud${proxyClause(env) || ', and HTTPS_PROXY / NO_PROXY behind a proxy'}.`, cause);
    }
    if (chain.some((e) => e?.errorCode === 'endpoints_resolution_error' || /endpoints_resolution_error/.test(String(e?.message)))) {
        return new errors/* ActionError */.l(`Could not read Entra ID's OpenID configuration at ${authority} (endpoints_resolution_error: unreachable, or not an Entra authority): check authority-host / cloud (${settings.cloud})${proxyClause(env)}.`, cause);
    }
    if (chain.some((e) => e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError'))) {
        return new errors/* ActionError */.l(`Entra ID did not answer within ${settings.timeoutSeconds} s (auth: ${mode}): check authority-host and any proxy, or raise timeout-seconds.`, cause);
    }
    switch (mode) {
        case 'azure-cli':
            return new errors/* ActionError */.l(`Azure CLI gave no token for ${settings.tokenScope} (${detail}): run azure/login before this step, in the same job and cloud, or use auth: oidc.`, cause);
        case 'managed-identity':
            return new errors/* ActionError */.l(`No managed identity token for ${settings.tokenScope} (${detail}): auth: managed-identity needs a self-hosted runner in Azure with an identity assigned (client-id for a user-assigned one), or use auth: oidc.`, cause);
        case 'default':
            return new errors/* ActionError */.l(`DefaultAzureCredential found no usable credential (${detail}): set client-id and tenant-id for keyless OIDC (with \`permissions: id-token: write\`), or run azure/login before this step.`, cause);
        default:
            return new errors/* ActionError */.l(`Entra ID refused a token for ${settings.tokenScope} (auth: ${mode}; ${detail}): check client-id, tenant-id, authority-host and the federated credential.`, cause);
    }
}
/** The error, its causes and (for AggregateAuthenticationError) its inner errors, breadth first. */
function errorChain(error) {
    const seen = [];
    const queue = [error];
    while (queue.length > 0 && seen.length < 20) {
        const next = queue.shift();
        if (next === undefined || next === null || seen.includes(next))
            continue;
        seen.push(next);
        if (typeof next === 'object') {
            const record = next;
            queue.push(record.cause);
            if (Array.isArray(record.errors))
                queue.push(...record.errors);
        }
    }
    return seen;
}
function entraErrorCodes(error) {
    const codes = new Set();
    for (const e of errorChain(error)) {
        if (typeof e !== 'object' || e === null)
            continue;
        const record = e;
        const listed = record.errorResponse?.errorCodes;
        if (Array.isArray(listed))
            for (const c of listed)
                if (Number.isInteger(Number(c)))
                    codes.add(Number(c));
        if (record.errorNo !== undefined && Number.isInteger(Number(record.errorNo)))
            codes.add(Number(record.errorNo));
        if (typeof record.message === 'string') {
            for (const match of record.message.matchAll(/AADSTS(\d+)/g))
                codes.add(Number(match[1]));
        }
    }
    return [...codes];
}
/** Node's socket/DNS error codes and the SDKs' names for "the request never got an answer". */
const NETWORK_CODES = new Set([
    'ENOTFOUND',
    'EAI_AGAIN',
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'CERT_HAS_EXPIRED',
    'REQUEST_SEND_ERROR',
    'network_error'
]);
function networkFailure(chain) {
    for (const e of chain) {
        if (typeof e !== 'object' || e === null)
            continue;
        const record = e;
        for (const code of [record.code, record.errorCode]) {
            if (typeof code === 'string' && NETWORK_CODES.has(code))
                return code;
        }
    }
    return undefined;
}
/**
 * The status of an answer that was not JSON. @azure/identity's IdentityClient turns such a body into
 * an error description "… Http status code: N / Http status message: <body> / Headers: {…}"
 * (`parseResponseBody` in its client/identityClient.js); body and headers are never repeated.
 */
function notJsonStatus(chain) {
    for (const e of chain) {
        const match = e instanceof Error ? /Http status code: (\d{3})\s+Http status message:/.exec(e.message) : null;
        if (match)
            return Number(match[1]);
    }
    return undefined;
}
/** The HTTP status of Entra's answer: MSAL's ServerError `status`, or `statusCode` of @azure/identity and core-rest-pipeline errors. */
function httpStatus(chain) {
    for (const e of chain) {
        const record = (typeof e === 'object' && e !== null ? e : {});
        for (const value of [record.status, record.statusCode]) {
            if (typeof value === 'number' && value >= 400 && value <= 599)
                return value;
        }
    }
    return undefined;
}
/** ", and the proxy … (HTTPS_PROXY) or NO_PROXY" when one is set: the request to Entra ID went through it. */
function proxyClause(env) {
    const [proxy] = (0,src_proxy/* configuredProxies */.Zj)(env);
    return proxy ? `, and the proxy ${proxy.url} set in ${proxy.variable} (or list the host in NO_PROXY)` : '';
}
/** The Entra ID description ("AADSTS…: …") without trace ids, else the first line of the first message. */
function entraDetail(chain) {
    const messages = chain.flatMap((e) => (e instanceof Error ? [e.message] : typeof e === 'string' ? [e] : []))
        // A response's headers and body are never part of a message.
        .map((message) => message.split(/\s*Http status message:|\s*Headers:\s*\{/)[0] ?? '');
    for (const message of messages) {
        const aadsts = /AADSTS\d+:[^\r\n]*/.exec(message)?.[0];
        if (aadsts)
            return oneLine(aadsts.split(/\s+(?:Trace ID|Correlation ID|Timestamp):|\s+-\s+(?:Correlation ID|Trace ID):/)[0] ?? aadsts);
    }
    return oneLine(messages[0] ?? String(chain[0]));
}
/** Collapses whitespace and caps length, so a remote message fits the one-line error. */
function oneLine(text) {
    const line = text.replace(/\s+/g, ' ').trim();
    return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
/** POSIX single-quoting, so the printed command can be pasted as is. */
function shellQuote(value) {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}


/***/ })

};
