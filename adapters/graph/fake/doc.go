// Package fake is a wire-faithful fake of the parts of the Graph API that
// Pregonero uses for Facebook Pages and Instagram content publishing,
// served as one http.Handler. Tests start it with fakenettest.Serve; `pregonero
// sandbox` mounts it under /graph, so an account's Graph endpoint is
// http://ADDR/graph and calls go to http://ADDR/graph/v25.0/… (versions
// v19.0 to v27.0; others answer code 2635). huandu/facebook reaches it with
// BaseURL set to the endpoint plus "/".
//
// VideoHandler serves Facebook video uploads alone, under
// Options.VideoPrefix (`pregonero sandbox` mounts it under /graph-video),
// for accounts whose video_endpoint names a video host of their own; it
// refuses every other call with code 100 naming graph.facebook.com (the
// fake's wording). The main handler serves uploads as well, since Meta's
// Video API overview sends them to graph.facebook.com and calls the
// former graph-video.facebook.com host deprecated.
//
// # Credentials
//
// Pages and Instagram accounts are not registered: any id of digits exists
// from its first request. PageToken(page) is the Page access token of a
// page; it acts on the page and on the Instagram business account
// LinkedInstagram(page) that GET /{page}?fields=instagram_business_account
// names. InstagramToken(user) is an Instagram Login token of one account.
// Tokens travel as the access_token parameter or in an
// "Authorization: Bearer" header. Calls with a Page token need
// appsecret_proof (HMAC-SHA256 of the token keyed with the app secret,
// DefaultAppSecret unless Options.AppSecret says otherwise) unless
// Options.ProofOptional; a proof that is sent is always checked. Refusals
// follow Graph: 190 for a missing or unparseable token, 100 for a missing
// or wrong proof, 200 (HTTP 403) for an edge of another account, 100/33
// for an object the caller cannot see or that no longer exists.
//
// # Requests and answers
//
// Parameters are read from the query, form bodies and multipart bodies;
// non-string values may be JSON (published=true,
// attached_media=[{"media_fbid":"…"}]) and attached_media may also come
// indexed (attached_media[0]={…}). Unknown parameters are ignored; a
// field its node type does not have answers code 100 "Tried accessing
// nonexisting field (…) on node type (…)", as Graph does (the node type
// names are the fake's best knowledge). POST with method=DELETE is a
// DELETE. Successes and errors have
// Graph's shapes; every answer carries X-App-Usage and
// X-Business-Use-Case-Usage (and X-Page-Usage for page calls) with the
// share of Options.PageCallsPerHour used in the rolling hour; past it,
// code 32. Lists are newest first with cursors and an absolute paging.next
// back to the fake, honour since, until and limit (25 by default, 100 at
// most); Options.EmptyListPages puts that many empty pages with a
// paging.next before the first. Timestamps use Graph's
// 2006-01-02T15:04:05-0700.
//
// # Facebook
//
// POST /{page}/feed (message, link, attached_media of unpublished photos,
// published; 506 for the same message on the page within 24 hours), POST
// /{page}/photos (multipart source or a url the fake downloads; JPEG, PNG,
// GIF, WebP or BMP up to 10 MiB, sniffed from the bytes; published=false
// uploads a photo to attach once), POST /{page}/videos (multipart source or
// file_url; MP4 or QuickTime, checked box by box; GET
// /{video}?fields=post_id names its post), GET /{page}/published_posts,
// GET /{page}/photos?type=uploaded, GET /{page}/videos, GET /{page}, GET
// /me, GET of posts, photos and videos (with the counters of # Metrics)
// and DELETE of them. A video is listed
// under /{page}/videos from its upload, but its post shows in the post
// lists only after Options.FacebookVideoProcessing (2 s by default) on the
// fake's clock; until then the video reports published false, and no
// post_id with Options.VideoPostIDAfterProcessing. Posts answer the
// attachments field with the target id of each photo (an album's in its
// subattachments) or of the video, and a shared link's URL; photos answer
// page_story_id unless Options.HidePageStoryID. The ledger keeps the
// message, caption or description exactly as sent and the media with their
// sniffed type.
//
// # Instagram
//
// POST /{ig-user}/media creates a container (image_url, or video_url with
// media_type REELS or STORIES, VIDEO for carousel items, CAROUSEL with
// 2–10 children of the same account; caption at most 2,200 characters, 30
// hashtags and 20 mentions; alt_text for images). The fake then downloads
// the media in the background, as Meta does: a download that fails ends in
// ERROR 2207052 (2207003 for a timeout); an image that is not a JPEG in
// 2207005, larger than Options.MaxImageBytes in 2207004, outside the 4:5 to
// 1.91:1 aspect ratios in 2207009 (stories excepted); a video that is not
// MP4 or QuickTime in 2207026. Otherwise the container is IN_PROGRESS for
// the processing time on the fake's clock, then FINISHED; a carousel
// follows its children. The status text ends with the subcode in
// parentheses. Unpublished containers expire 24 hours after creation.
// POST /{ig-user}/media_publish answers 9007/2207027 for a container still
// in progress, 9007/2207020 for an expired one, the container's own error
// for one in ERROR, 100 "The media has already been published" for a
// second publish (the real code is unverified) and 9/2207042 past
// Options.PublishLimit publishes in 24 hours, which GET
// /{ig-user}/content_publishing_limit reports. GET /{ig-user}/media,
// /stories, /{media} (with synthetic like and comment counts), /{album}/
// children and GET /me (user_id, username) complete it. Deleting Instagram
// media answers code 3, as the API is understood not to allow it
// (unverified).
//
// # Metrics
//
// Engagement grows deterministically from an object's id and its age on
// the fake's clock (EngagementOf gives the exact numbers): post counters
// (reactions.summary.total_count, comments.summary.total_count,
// shares.count, left out while 0), GET /{post}/insights
// (post_media_view, post_total_media_view_unique, post_clicks,
// post_reactions_by_type_total), GET /{video}/video_insights
// (total_video_views, total_video_views_unique), Instagram like_count and
// comments_count and GET /{media}/insights with the metrics of each media
// product type, all in Graph's {"data":[{"name","period","values":
// [{"value":N}],"title","description","id"}]} shape. A retired name
// (post_impressions*, page_impressions*, page_fans*, post_engaged_users)
// or any name not served, or one of Options.RetiredMetrics, fails the
// whole Facebook call with "(#100) The value must be a valid insights
// metric"; an empty metric parameter is 3001/1504028. Instagram refuses
// a name it does not serve (impressions, plays, clips_replays_count,
// ig_reels_aggregated_all_plays_count, video_views) with "(#100)
// metric[i] must be one of the following values: …" and one it serves
// but not for the media's product type with "… does not support the …
// metric for this media product type"; a story under 5 views answers
// "(#10) Not enough viewers for the media to show insights", a story
// older than 24 hours and an album child code 10 (the fake's wording).
// Pages answer followers_count and fan_count, Instagram accounts
// followers_count and media_count (Fake.Followers: a base drawn from the
// id plus one per 200 views of the account's live posts).
//
// # Connecting accounts
//
// The fake serves Meta's consent flows for the sandbox app (AppID and
// AppSecret) and the callbacks of Options.RedirectURIs (exact match).
// Facebook Login: GET {prefix}/{version}/dialog/oauth (client_id,
// redirect_uri, state, scope, response_type=code) shows a consent screen
// in Spanish naming the app, the permissions asked and the Pages of
// Options.Pages (DefaultPages: three, the first with an Instagram business
// account), with the buttons #autorizar and #cancelar; an unknown app,
// an unlisted redirect_uri, another response type, an invalid scope or a
// config_id (the sandbox has no configurations) get an error page and no
// redirect. The form posts back to the same address: Cancelar redirects
// with error=access_denied, error_reason=user_denied, error_code=200 and
// the state; Autorizar with a code and the state. With chosen=1 (as the
// screen sends) only the ticked permissions (grant) and Pages (page) are
// granted, the others reported declined; a form without it grants all.
// GET {prefix}/{version}/oauth/access_token exchanges the code (client_id,
// client_secret, redirect_uri, code) for a one-hour user token, refusing
// an unknown code (100), an expired one after 10 minutes (100/36007), a
// used one (100/36009) and another redirect_uri (100/36008);
// grant_type=fb_exchange_token gives a 60-day one. With a user token (and
// appsecret_proof) GET /me, /me/permissions and /me/accounts answer; the
// latter lists the Pages chosen (none without pages_show_list) with their
// tasks, picture and instagram_business_account{id,username,
// profile_picture_url}, and a Page token: PageToken(page) for a long-lived
// user token whose grant and tasks allow publishing, otherwise a token
// bound to the grant and tasks (that expires with a short-lived user
// token) whose posts and uploads are refused with 200 without
// pages_manage_posts or CREATE_CONTENT/MANAGE, and Instagram containers
// and publishing with 10 without instagram_content_publish.
//
// Instagram Login: GET {prefix}/oauth/authorize (scope must include
// instagram_business_basic) shows the same screen for the account
// Options.InstagramLoginUser; POST {prefix}/oauth/access_token (form
// client_id, client_secret, grant_type=authorization_code, redirect_uri,
// code; codes live an hour) answers {"data":[{"access_token","user_id",
// "permissions"}]} or Instagram's {"error_type","code","error_message"};
// GET {prefix}/access_token?grant_type=ig_exchange_token gives a 60-day
// token and GET {prefix}/refresh_access_token?grant_type=ig_refresh_token
// renews one at least 24 hours old. Such tokens publish only with
// instagram_business_content_publish. GET {prefix}/{version}/{id}/picture
// answers a small SVG without a token: the pictures the answers name.
//
// # Faults
//
// Rules for network facebook name create, upload, delete or lookup; rules
// for instagram name container, status, publish, limit, delete, lookup or
// fetch (see OpFetch). Mode error answers Graph's error for the rule's
// code and subcode with the rule's status, or, without a code, one fitting
// the status (5xx code 2 transient, 400 code 100, 401 and 403 code 190,
// 429 code 4); throttling codes carry usage headers at 100 % with
// estimated_time_to_regain_access = Options.ThrottleMinutes. Delay waits
// and then proceeds; drop_after_accept does the work and hangs up.
package fake
