// A real OpenID Connect provider for the sign-in tests: panva's oidc-provider (OpenID Certified),
// with its development login and consent pages, on 127.0.0.1.
//
// Configured by the environment variable OIDC_TEST_CONFIG, JSON:
//   {"port": 9000, "client_id": "…", "client_secret": "…", "redirect_uris": ["http://…/inloggning/svar"],
//    "accounts": {"anna": {"name": "Anna Andersson", "email": "anna@…", "groups": ["…"]}}}
// An account signs in with its key as the login and any password. Its groups are given with the
// profile scope, from the userinfo endpoint: the provider keeps ID tokens issued with an access
// token to the openid claims, as the specification has it, so the client must ask for them.
import Provider from "oidc-provider";

const config = JSON.parse(process.env.OIDC_TEST_CONFIG || "{}");
const issuer = `http://127.0.0.1:${config.port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: config.redirect_uris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  claims: {
    openid: ["sub"],
    profile: ["name", "groups"],
    email: ["email", "email_verified"],
  },
  async findAccount(ctx, id) {
    const account = config.accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email_verified: true, ...account };
      },
    };
  },
  cookies: { keys: ["ansvarskartan-test-only"] },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
});

// The tests run many sign-ins: the development pages' warnings on every start say nothing new.
provider.on("server_error", (ctx, error) => console.error("server_error", error));

provider.listen(config.port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
