/** Every Google endpoint the app talks to, on Google's hosts or under one root (sandbox, emulator). */
export interface GoogleEndpoints {
  oauth2AuthBaseUrl: string;
  oauth2TokenUrl: string;
  oauth2RevokeUrl: string;
  tokenInfoUrl: string;
  oauth2FederatedSignonPemCertsUrl: string;
  oauth2FederatedSignonJwkCertsUrl: string;
  userinfoUrl: string;
  /** rootUrl for the Calendar client; undefined keeps the client's own default. */
  calendarRootUrl: string | undefined;
  /** Accepted `iss` of id_tokens. */
  issuers: string[];
}

/** Google's endpoints, or the same paths under `rootUrl` (an origin ending in "/"). */
export function googleEndpoints(rootUrl: string | undefined): GoogleEndpoints {
  if (!rootUrl) {
    return {
      oauth2AuthBaseUrl: "https://accounts.google.com/o/oauth2/v2/auth",
      oauth2TokenUrl: "https://oauth2.googleapis.com/token",
      oauth2RevokeUrl: "https://oauth2.googleapis.com/revoke",
      tokenInfoUrl: "https://oauth2.googleapis.com/tokeninfo",
      oauth2FederatedSignonPemCertsUrl: "https://www.googleapis.com/oauth2/v1/certs",
      oauth2FederatedSignonJwkCertsUrl: "https://www.googleapis.com/oauth2/v3/certs",
      userinfoUrl: "https://openidconnect.googleapis.com/v1/userinfo",
      calendarRootUrl: undefined,
      issuers: ["accounts.google.com", "https://accounts.google.com"],
    };
  }
  const root = rootUrl.endsWith("/") ? rootUrl : `${rootUrl}/`;
  return {
    oauth2AuthBaseUrl: `${root}o/oauth2/v2/auth`,
    oauth2TokenUrl: `${root}token`,
    oauth2RevokeUrl: `${root}revoke`,
    tokenInfoUrl: `${root}tokeninfo`,
    oauth2FederatedSignonPemCertsUrl: `${root}oauth2/v1/certs`,
    oauth2FederatedSignonJwkCertsUrl: `${root}oauth2/v3/certs`,
    userinfoUrl: `${root}oauth2/v3/userinfo`,
    calendarRootUrl: root,
    issuers: ["accounts.google.com", "https://accounts.google.com", root, root.replace(/\/$/, "")],
  };
}
