// Package fake is a wire-faithful fake of the parts of X API v2 that
// Pregonero uses, served as an http.Handler. Tests start it with
// fakenettest.Serve; `pregonero sandbox` mounts it under /x, so an account's X
// endpoint is http://ADDR/x and posts go to http://ADDR/x/2/tweets.
//
// # Credentials
//
// Users are not registered: a user exists from its first request, named
// by its credentials. For a user called NAME (letters, digits and
// underscores):
//
//   - OAuth 1.0a user context: consumer key "sandbox" with consumer secret
//     "sandbox-secret"; access token "sandbox-NAME" with token secret
//     "sandbox-NAME-secret". Signatures are HMAC-SHA1 and verified as RFC
//     5849 §3.4 defines them, over the URL as the client addressed it
//     (scheme http unless the connection is TLS, the Host header, and the
//     full path including the mount prefix) and over the query and
//     form-urlencoded body parameters, never JSON or multipart bodies. An
//     oauth_timestamp more than 5 minutes from the fake's clock and a nonce
//     seen before for the same consumer and token are refused.
//   - OAuth 2.0 bearer: "sandbox-NAME" is always valid and never expires.
//     POST /2/oauth2/token issues 2-hour access tokens to the confidential
//     client "sandbox", which authenticates with its secret
//     "sandbox-secret" in HTTP Basic authentication only, and to the public
//     client "sandbox-public", which sends client_id in the form and no
//     secret anywhere; a refresh token works only for the client it was
//     issued to. grant_type refresh_token takes "sandbox-NAME-refresh"
//     as the first refresh token of a new token family; grant_type
//     authorization_code takes a code of the consent screen (below) or the
//     code "sandbox-NAME-code" (any redirect_uri and code_verifier), and
//     starts a new family each time. Refresh tokens rotate: each is good
//     once, and presenting a used one answers 400 invalid_request and
//     revokes its whole family, access tokens included. Issued tokens are
//     signed, so a restarted sandbox still accepts them.
//
// # Consent screen
//
// GET /i/oauth2/authorize is X's consent screen (x.com/i/oauth2/authorize;
// an app's AuthBase is the fake's base URL): with response_type=code, the
// client_id of one of the two clients above, a redirect_uri among
// Options.RedirectURIs or those added with AllowRedirectURI (exact match),
// known scopes, a state of up to 500 characters and a PKCE code_challenge
// (method S256 or plain, as X takes both) it answers a Spanish HTML page
// naming the app and the scopes asked, each a checked box, and the sandbox
// user who consents (Options.ConsentUser, "gobantioquia" by default, in a
// field the person may change), with the buttons Autorizar (id autorizar)
// and Cancelar (id cancelar). Anything else answers an error page, 400,
// sending nobody back, as X does. The form POSTs to the same address:
// Cancelar redirects to redirect_uri with error=access_denied and the
// state; Autorizar with the state and a code for the user and the scopes
// left checked. The state is echoed, never judged.
//
// Such a code is exchanged once, within 30 seconds (AuthCodeLifetime, as
// on X), by the client it was issued to, with the same redirect_uri and a
// code_verifier that matches the challenge; otherwise 400 invalid_request
// ("Value passed for the authorization code was invalid.", "Value passed
// for the code verifier did not match the code challenge.", and for the
// redirect_uri "Value passed for the redirect uri did not match the uri of
// the authorization code."). The first exchange spends the code even when
// it fails. The token answer echoes the granted scopes in scope and has a
// refresh_token only when offline.access was granted.
//
// Tokens carry their scopes: each endpoint asks of an OAuth 2.0 user token
// the scopes X's OpenAPI spec names for it (tweet.read and users.read to
// read, plus tweet.write to post or delete, media.write for every media
// endpoint), and a token without them gets X's 403 {"title":"Forbidden",
// "type":"about:blank","status":403,"detail":"Forbidden"}. OAuth 1.0a,
// "sandbox-NAME" bearers and tokens grown from the conventional code or
// seed refresh token have every scope. GET /2/users/me answers
// profile_image_url when asked, an image the fake serves itself under
// /profile_images/.
//
// Refused credentials get 401 {"title":"Unauthorized","type":"about:blank",
// "status":401,"detail":"Unauthorized"}. The user id is a stable number
// derived from the name (UserID); GET /2/users/me returns it.
//
// # Posts
//
// POST /2/tweets checks the body against CreatePostsRequest of X's OpenAPI
// spec (closed objects, types, id patterns, reply_settings, a poll of 2–4
// options of 1–25 characters lasting 5–10080 minutes, 1–4 media ids),
// answering each violation in errors[] of a 400 invalid-request problem
// worded like X's ("$.poll.options: there must be a minimum of 2 items in
// the array"); then what X checks beyond the schema (text or media,
// weighted length up to 280, media known, processed and of an allowed mix,
// duplicate text of a live post of the same user), with X's bodies. An
// unknown or expired media id is a 400 "Your media IDs are invalid.". The text the fake returns, on creation and on reads, is the one X
// would show: every http(s) link replaced by https://t.co/ and 10
// characters, one more t.co link appended when the post has media, and
// &, < and > written as &amp;, &lt; and &gt;. Reconciliation must therefore
// compare texts with links masked and entities decoded. The ledger keeps
// the text exactly as sent.
//
// A post that does not exist is answered like X answers it: 200 with a
// resource-not-found entry in errors[] for GET /2/tweets/{id} and for each
// missing id of GET /2/tweets?ids=, a 404 resource-not-found problem for
// DELETE. Engagement counts are synthetic and grow with the post's age.
//
// Private metrics of another user's post are left out with one
// not-authorized-for-field entry per withheld count in errors[]. A path the
// fake does not serve answers 404 {"errors":[{"message":"Sorry, that page
// does not exist","code":34}]}. GET /NAME/status/ID and /i/web/status/ID
// serve a plain page for the post, marked as a sandbox page, so that links
// to live sandbox posts open.
//
// # Limits
//
// Every rate-limited response carries x-rate-limit-limit, -remaining and
// -reset (Unix seconds) for the user and endpoint; a spent window answers
// 429 with X's problem body. POST /2/tweets also carries the 24-hour
// x-user-limit-24hour-* and x-app-limit-24hour-* headers. Options.Limits
// shrinks the figures for tests.
//
// # Media
//
// The chunked endpoints (initialize, append, finalize, STATUS), the
// one-shot image upload and POST /2/media/metadata (alt text) follow X's
// v2 shapes: append takes media (multipart bytes, or base64 in JSON) and
// segment_index and nothing else (no v1.1 media_data); STATUS takes
// media_id, with command=STATUS optional, and answers 404 for an unknown
// or expired upload; the one-shot upload needs media_category. Finalize checks that the segments add up to total_bytes and
// that the first bytes are of the declared type. Videos and GIFs then go
// pending → in_progress → succeeded over Options.MediaProcessing on the
// fake's clock, or end failed (InvalidMedia when the bytes are not of the
// declared type). Media expire 24 hours after initialize.
//
// # Faults
//
// Fault rules for network "x" name one of the operations create, delete,
// lookup, timeline, upload, token, process or "*". Mode error answers X's
// body for the status (429 with spent rate-limit headers); delay waits and
// then proceeds; drop_after_accept does the work (a post reaches the
// ledger) and hangs up without answering. A process rule is consulted when
// a video or GIF is finalized: delay lengthens its processing, any other
// mode makes it fail.
package fake
