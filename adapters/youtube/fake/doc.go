// Package fake is a wire-faithful fake of the parts of the YouTube Data
// API v3 that Pregonero uses, with Google's resumable upload protocol and
// OAuth 2.0 token endpoint, served as one http.Handler. Tests start it
// with fakenettest.Serve; `pregonero sandbox` mounts it under /youtube, so an
// account's endpoint is http://ADDR/youtube, the token URL
// http://ADDR/youtube/token, and google.golang.org/api/youtube/v3 reaches
// it with option.WithEndpoint(endpoint + "/").
//
// That client resolves upload paths (/upload/youtube/v3/…) against the
// host root, dropping the endpoint's path, so the fake also serves them
// without its prefix and the sandbox routes http://ADDR/upload/youtube/ to
// it. Session URLs it hands out carry the prefix.
//
// # Credentials
//
// Channels are not registered: a channel exists from its first request,
// named by its credentials. For a channel called NAME (letters, digits and
// underscores), AccessToken(NAME) is a bearer token that never expires and
// RefreshToken(NAME) is exchanged at POST /token (grant_type=refresh_token,
// client ClientID/ClientSecret in the form or in HTTP Basic
// authentication) for a signed access token good for one hour on the
// fake's clock; tokens survive a restart. Channels may also be
// authorized through the consent screen below. A refresh token that is
// not a sandbox one, or whose channel was revoked with Revoke, answers 400
// invalid_grant; a wrong client 401 invalid_client. Google does not
// rotate refresh tokens and neither does the fake, unless
// Options.RefreshTokenRotation asks it to: then a refresh token older than
// that period is replaced at its next use (the answer carries
// refresh_token, the old token answers invalid_grant). API calls with a
// missing, expired or revoked token answer 401 reason authError. A
// channel's id is ChannelID(NAME), its uploads playlist
// UploadsPlaylist(NAME). Resumable session URLs need no token.
//
// Tokens hold the scopes of their channel's grant: youtube.force-ssl
// (DefaultScopes), or what Options.Scopes names for the channel. The token
// endpoint's answer names them in scope, and every API call is checked
// against the scopes the discovery document lists for its method (any one
// of them suffices): videos.insert and thumbnails.set take youtube,
// youtube.force-ssl, youtube.upload or youtubepartner; videos.list,
// videos.batchGetStats and playlistItems.list youtube, youtube.force-ssl,
// youtube.readonly or youtubepartner; channels.list those and youtubepartner-channel-audit;
// videos.delete only youtube, youtube.force-ssl or youtubepartner. A token
// without one answers 403 reason insufficientPermissions ("Request had
// insufficient authentication scopes.", status PERMISSION_DENIED, an
// ErrorInfo ACCESS_TOKEN_SCOPE_INSUFFICIENT) with a WWW-Authenticate
// header error="insufficient_scope" naming the scopes the method takes,
// and is not charged.
//
// # Consent screen and authorization code grant
//
// GET {prefix}/o/oauth2/v2/auth (AuthorizePath, as under
// https://accounts.google.com) is Google's consent screen for a web server
// application, as a small Spanish page with no external resources: it
// names the application (Options.AppName) and the client, proposes a
// channel name (Options.ConsentChannel, "sandbox" by default; the person
// may type another: channels exist by convention), shows one checked box
// per scope asked (granular consent: unchecking one grants fewer), and
// posts back to the same address with the buttons Autorizar (id
// autorizar) and Cancelar (id cancelar). A script may post
// accion=autorizar (and canal=NAME) alone, which grants everything asked,
// or add permisos=1 and the scope values to keep. Autorizar redirects
// (302) to the redirect_uri with code, scope (the scopes granted,
// space-separated) and state; Cancelar, or nothing checked, with
// error=access_denied and state; prompt=none with error=consent_required
// (the fake always asks). The request is checked client first, then
// redirect_uri (nothing is redirected before the redirect_uri is known to
// be registered), and a refusal shows an error page, as Google's does,
// without redirecting: client_id missing (400
// invalid_request) or unknown (401 invalid_client "The OAuth client was
// not found."), redirect_uri missing or not one of Options.RedirectURIs
// matched exactly (400 redirect_uri_mismatch), then response_type (only
// code), scope (missing: invalid_request; any scope but YouTube's and
// YouTube Analytics': 400 invalid_scope), access_type (online or
// offline), prompt (none, consent, select_account), include_granted_scopes
// and PKCE (code_challenge of 43 to 128 unreserved characters,
// code_challenge_method plain, the default, or S256). The fake's
// wording of these refusals beyond the error code is its own.
//
// POST /token with grant_type=authorization_code (the client as for a
// refresh) exchanges a code: codes are single-use (the first request that
// presents one spends it, whatever the answer), expire after CodeLifetime
// (10 minutes) and are bound to the client, the redirect_uri (another one
// answers 400 redirect_uri_mismatch "Bad Request") and the PKCE challenge
// (400 invalid_grant "Invalid code verifier.", "Missing code verifier.",
// or "code_verifier or verifier is not needed." for a code asked without
// a challenge); an unknown, used or expired code answers 400
// invalid_grant "Bad Request". The answer is access_token (one hour),
// expires_in, token_type, scope and, for access_type=offline, a
// refresh_token "1//sandbox.…" the first time the channel gives the
// client offline access and afterwards only when prompt=consent made the
// screen ask again, as Google does. The scopes granted are the boxes kept;
// with include_granted_scopes=true, also those the channel granted the
// client on earlier consents. The tokens hold exactly those scopes, so
// API calls are checked against them as for any token; the refresh token
// works at the refresh grant (never rotated) and survives a restart.
// Revoke ends the grant: its refresh and access tokens and its codes not
// yet exchanged are refused, and a later consent makes a new grant that
// works.
//
// channels.list names each channel's profile picture in
// snippet.thumbnails (default 88, medium 240 and high 800 pixels square):
// PNG images the fake serves at {prefix}/avatars/{channel id}/{size}.png,
// so that the sandbox shows them offline.
//
// # Uploads
//
// POST /upload/youtube/v3/videos takes uploadType=resumable (the JSON
// metadata, answered 200 with an absolute Location session URL),
// multipart (multipart/related: JSON part, then media) or media. Chunks
// are POSTed or PUT to the session URL with Content-Range: bytes a-b/*
// and are answered 200 with X-Http-Status-Code-Override: 308 (a real 308
// to clients that do not send X-GUploader-No-308: yes) and Range:
// bytes=0-N; the final chunk (bytes a-b/total) is answered with the Video
// resource; bytes */total with no body asks for the status, or completes
// an upload whose bytes all arrived. A chunk may start anywhere within the
// previous chunk, as a client re-sending a chunk whose answer it lost
// does, provided the overlap is the same bytes; a chunk starting after
// the received offset is refused; a request without Content-Range carries
// the whole file. A chunk is at most 512 MiB, and every chunk but the
// last must be a whole number of 256 KiB blocks (ChunkGranularity): Google
// documents the rule but not its answer to a chunk that breaks it, which
// the fake refuses with 400 badContent. A completed session answers
// every later request with the same result, so the upload is completed
// exactly once. Sessions expire after 7 days.
//
// Metadata is validated as YouTube does, with its reasons (400):
// snippet.title required, at most 100 characters, without < or >
// (invalidTitle); description at most 5,000 bytes without < or >
// (invalidDescription); tags at most 500 characters counting two quotes
// for a tag that contains a space and a comma between tags (invalidTags);
// status.publishAt only with privacyStatus private and in the future
// (invalidPublishAt); privacyStatus public, private or unlisted
// (invalidVideoMetadata); categoryId an assignable category, 22 when
// absent (invalidCategoryId). The part parameter arrives repeated or
// comma-joined; properties of parts it does not name are ignored.
//
// Once its last byte arrives, a video exists with uploadStatus
// "uploaded", which is what the insert's answer says, whatever comes next;
// after Options.Processing it is "processed", or, as YouTube decides
// during processing, "failed" with failureReason invalidFile for bytes
// that do not start with an ftyp box (emptyFile for none), or "rejected"
// with rejectionReason duplicate for bytes the channel already uploaded
// (same SHA-256, in a video not bound to fail). Videos that will not fail
// or get rejected enter the ledger when their upload completes: network "youtube",
// account the channel id, remote id the video id, text the title, and the
// video with its sniffed type (video/mp4 or video/quicktime) and size. A
// scheduled video (private with publishAt) turns public at publishAt.
// Bodies over Options.MaxVideoBytes answer 413 (YouTube's exact answer is
// undocumented).
//
// # Reads, thumbnails and deletion
//
// GET /youtube/v3/videos?id=…&part=… (ids repeated or comma-joined, up
// to 50) renders id, snippet (tags only to the owner), status, statistics
// and processingDetails (owner only); others see only public and unlisted
// videos. maxResults with id answers 400 incompatibleParameters (YouTube
// documents the pair as unsupported; its exact answer is unverified).
// GET /youtube/v3/channels?mine=true names the uploads playlist in
// contentDetails.relatedPlaylists.uploads.
//
// # Statistics
//
// Engagement is synthetic and deterministic, so that tests can assert
// exact numbers: VideoStatistics gives a video's counts from its id and
// the time it has been watchable (processed and public; for a scheduled
// video, since its publishAt): views grow by 1 to 10 a minute, a rate
// drawn from the id, likes are a twentieth of them and comments a
// hundredth. videos.list (part statistics, with favoriteCount "0") and
// GET /youtube/v3/videos:batchGetStats?id=…&part=… report them as
// strings. batchGetStats answers {"kind":"youtube#batchGetStatsResponse",
// "etag","items":[{"kind":"youtube#videoStats","etag","id","snippet":
// {"publishTime"},"statistics":{"viewCount","likeCount","commentCount"}}]}
// (the discovery document's BatchGetStatsResponse and VideoStat; the
// fake has no duration, so contentDetails is left out), with the parts
// asked for (contentDetails, id, snippet, statistics; others 400
// unknownPart), leaving out the ids the caller cannot see or the fake
// does not have; part and id are required (400 required) and more than
// 50 ids answer 400 invalidValue (the limit is documented, the exact
// answer is not). Channels answer part statistics with viewCount (the
// views of their public videos), videoCount (their public videos),
// hiddenSubscriberCount and subscriberCount: a base of 100 to 999 drawn
// from the channel id plus one for every 50 views, rounded down to three
// significant figures as YouTube abbreviates subscriber counts, and not
// sent for the channels Options.HiddenSubscriberCount names.
// Fake.Channel reports the same numbers.
// GET /youtube/v3/playlistItems?playlistId=UU… lists the uploads newest
// first, maxResults (0–50, 5 by default) a page, with nextPageToken; a
// video appears there Options.PlaylistLag after its upload (the real
// playlist is said to lag by minutes). POST
// /upload/youtube/v3/thumbnails/set?videoId= takes a JPEG or PNG of at most
// 50 MB (MaxThumbnailBytes, 52428800 bytes: the discovery document's
// mediaUpload.maxSize since 2026-09, 2 MB before) as media, multipart or
// resumable upload (invalidImage otherwise,
// mediaBodyRequired when empty; the fake's reason for an image too large
// is unverified). DELETE /youtube/v3/videos?id= answers 204 and removes
// the video from the ledger; videoNotFound (404) or forbidden (403) for a
// video of another channel.
//
// # Quota
//
// videos.insert calls (a resumable initiation or a one-request upload)
// spend the project's upload bucket, Options.UploadsPerDay a day;
// videos.batchGetStats calls spend their own bucket, one per call,
// Options.StatsPerDay a day (10,000) and at most Options.StatsPerMinute
// in any minute (600; past it 429 rateLimitExceeded, not charged), as the
// method's REST reference says ("a dedicated Video Batch Get Stats quota
// bucket"); other calls spend units of Options.UnitsPerDay: lists 1,
// thumbnails.set 50, videos.delete 50. The buckets reset at midnight
// America/Los_Angeles on the fake's clock; a spent bucket answers 403
// reason quotaExceeded (domain youtube.quota). A call is charged once its parameters parse, even if it
// is then refused for its metadata or its target, as YouTube charges
// invalid requests; an error injected by a fault rule is not charged.
// Options.ChannelUploadsPerDay caps the inserts of one channel in a
// rolling 24 hours with 400 uploadLimitExceeded.
//
// Tests read a video's state with Video, its custom thumbnail with
// Thumbnail, the quota spent with Quota and StatsQuota and the open
// upload sessions with Sessions.
//
// # Faults
//
// Rules for network "youtube" name insert, upload, finalize, list,
// stats (videos.batchGetStats), thumbnail, delete, token or "*". Mode error answers the rule's status with
// Google's error and a fitting reason (503 backendError, 500
// internalError, 403 forbidden, 429 rateLimitExceeded, 401 authError); on
// the token endpoint an OAuth error (400 invalid_grant, 401
// invalid_client, 5xx internal_failure). Delay waits and then proceeds.
// drop_after_accept does the work and then resets the connection without
// answering: on upload the chunk is stored (and a final chunk completes
// the video), which Google's client retries; on insert the session or the
// one-request video is created. Finalize rules are consulted, after upload
// rules, only on a request to a video session that would answer with the
// completed video (the final chunk once stored, or a later request to the
// completed session): error answers the rule's status although the video
// exists, drop_after_accept hangs up, delay delays the answer.
package fake
