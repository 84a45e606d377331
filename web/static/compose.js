// Redactar: live validation with the server's rules, uploads, quick
// picks for the time and the previews. The form works without this file:
// it posts as it is, and attaches files with a plain multipart post.
(function () {
  "use strict";
  var form = document.getElementById("compose-form");
  if (!form) {
    return;
  }
  var token = form.querySelector('input[name="csrf_token"]').value;
  var statusEl = document.getElementById("compose-status");
  var DEBOUNCE_MS = 300;

  function $(id) { return document.getElementById(id); }

  function cp(s) { return Array.from(s || ""); } // code points

  // --- Errors next to their fields ---------------------------------
  function clearErrors() {
    form.querySelectorAll("[data-error-for]").forEach(function (el) { el.textContent = ""; });
    form.querySelectorAll('[aria-invalid="true"]').forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }

  function showError(id, msgs) {
    var box = $(id + "-error") || $("general-error");
    msgs.forEach(function (m) {
      var p = document.createElement("p");
      p.textContent = m;
      box.appendChild(p);
    });
    var input = $(id);
    if (input && /^(INPUT|TEXTAREA|SELECT)$/.test(input.tagName)) {
      input.setAttribute("aria-invalid", "true");
    }
  }

  function showResult(res) {
    clearErrors();
    Object.keys(res.errors || {}).forEach(function (id) { showError(id, res.errors[id]); });
    if (res.general && res.general.length) {
      showError("general", res.general);
    }
    var counters = $("counters");
    counters.textContent = "";
    (res.counters || []).forEach(function (c) {
      var p = document.createElement("p");
      p.className = "counter" + (c.over ? " over" : "");
      p.setAttribute("data-target", c.target);
      p.textContent = c.text;
      counters.appendChild(p);
    });
    $("when-text").textContent = res.when || "";
    statusEl.textContent = res.status || "";
  }

  // --- Live validation ---------------------------------------------
  var timer = null;
  var seq = 0;
  var inflight = null;

  function formBody() {
    var body = new URLSearchParams();
    new FormData(form).forEach(function (v, k) {
      if (typeof v === "string") {
        body.append(k, v);
      }
    });
    body.set("action", "schedule");
    return body;
  }

  function validate() {
    var n = ++seq;
    if (inflight) {
      inflight.abort();
    }
    inflight = new AbortController();
    fetch(form.getAttribute("data-validate"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": token, "Content-Type": "application/x-www-form-urlencoded" },
      body: formBody(),
      signal: inflight.signal
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (r) {
      if (n !== seq) {
        return; // an older answer
      }
      if (r.ok) {
        showResult(r.data);
      } else {
        statusEl.textContent = (r.data && r.data.text) || "";
      }
    }).catch(function () { /* aborted, or offline: the server checks on submit */ });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(validate, DEBOUNCE_MS);
    updatePreviews();
  }

  form.addEventListener("input", function (ev) {
    if (ev.target && ev.target.type !== "file") {
      schedule();
    }
  });

  // --- Quick picks for the time --------------------------------------
  var quick = form.querySelector("[data-quick]");
  if (quick) {
    quick.hidden = false;
    quick.addEventListener("click", function (ev) {
      var b = ev.target.closest("button[data-when]");
      if (!b) {
        return;
      }
      var when = $("when");
      when.value = b.getAttribute("data-when");
      when.focus();
      schedule();
    });
  }

  // --- Uploads -------------------------------------------------------
  var file = $("file");
  var list = $("media-list");
  var uploadStatus = $("upload-status");

  function addItem(m) {
    var tpl = document.querySelector('template.media-template[data-kind="' + (m.video ? "video" : "image") + '"]');
    var frag = tpl.content.cloneNode(true);
    var fill = function (s) {
      return s.split("MEDIAID").join(m.id).split("MEDIANAME").join(m.name).split("MEDIALABEL").join(m.label);
    };
    frag.querySelectorAll("*").forEach(function (el) {
      Array.from(el.attributes).forEach(function (a) {
        if (/MEDIA(ID|NAME|LABEL)/.test(a.value)) {
          el.setAttribute(a.name, fill(a.value));
        }
      });
      if (el.children.length === 0 && /MEDIA(ID|NAME|LABEL)/.test(el.textContent)) {
        el.textContent = fill(el.textContent);
      }
    });
    var li = frag.querySelector("li");
    li.setAttribute("data-width", m.width);
    li.setAttribute("data-height", m.height);
    li.setAttribute("data-mime", m.mime);
    li.setAttribute("data-url", m.url);
    var media = li.querySelector(".thumb img, .thumb video");
    media.setAttribute("src", m.url);
    li.querySelector("textarea").value = m.alt_text || "";
    list.appendChild(frag);
    return list.lastElementChild;
  }

  function fileError(text) {
    var box = $("file-error");
    box.textContent = "";
    if (text) {
      var p = document.createElement("p");
      p.textContent = text;
      box.appendChild(p);
      file.setAttribute("aria-invalid", "true");
    } else {
      file.removeAttribute("aria-invalid");
    }
  }

  if (file) {
    var attach = form.querySelector("button.attach");
    if (attach) {
      attach.hidden = true; // files upload when chosen
    }
    file.addEventListener("change", function () {
      var f = file.files && file.files[0];
      if (!f) {
        return;
      }
      var max = parseInt(form.getAttribute("data-max-size"), 10);
      if (max && f.size > max) {
        fileError(form.getAttribute("data-too-large"));
        return;
      }
      fileError("");
      uploadStatus.textContent = form.getAttribute("data-uploading");
      var body = new FormData();
      body.append("file", f, f.name);
      fetch(form.getAttribute("data-upload"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": token },
        body: body
      }).then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok, data: data }; });
      }).then(function (r) {
        if (!r.ok) {
          uploadStatus.textContent = "";
          fileError((r.data && r.data.text) || form.getAttribute("data-upload-failed"));
          return;
        }
        file.value = "";
        var m = r.data;
        if (!list.querySelector('[data-media-id="' + CSS.escape(m.id) + '"]')) {
          var li = addItem(m);
          var alt = li.querySelector("textarea");
          if (alt) {
            alt.focus();
          }
        }
        uploadStatus.textContent = form.getAttribute("data-attached").replace("%s", m.name);
        schedule();
      }).catch(function () {
        uploadStatus.textContent = "";
        fileError(form.getAttribute("data-upload-failed"));
      });
    });
  }

  // Removing a file needs no round trip with the script.
  form.addEventListener("click", function (ev) {
    var b = ev.target.closest("button.remove-media");
    if (!b) {
      return;
    }
    ev.preventDefault();
    var li = b.closest(".media-item");
    var next = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    if (uploadStatus) {
      uploadStatus.textContent = form.getAttribute("data-removed");
    }
    (next ? next : (file || $("text"))).focus();
    schedule();
  });

  // --- Previews ------------------------------------------------------
  function chosenNetworks() {
    var out = {};
    form.querySelectorAll('input[name="targets"]').forEach(function (el) {
      if ((el.type !== "checkbox" || el.checked) && !el.disabled) {
        var holder = el.hasAttribute("data-network") ? el : el.closest("[data-network]");
        var n = holder && holder.getAttribute("data-network");
        if (n) {
          out[n] = true;
        }
      }
    });
    return out;
  }

  function withLink(text, link) {
    text = text.trim();
    link = link.trim();
    if (!link || text.indexOf(link) >= 0) {
      return text;
    }
    return text ? text + "\n\n" + link : link;
  }

  // cut is the text as a feed shows it before its "more" link, on a word
  // boundary when one is near (as the server's cutText).
  function cut(text, n) {
    var chars = cp(text);
    if (!n || chars.length <= n) {
      return { text: text, cut: false };
    }
    var s = chars.slice(0, n).join("");
    var i = Math.max(s.lastIndexOf(" "), s.lastIndexOf("\n"));
    if (i > s.length * 3 / 4) {
      s = s.slice(0, i).replace(/[ \n]+$/, "");
    }
    return { text: s, cut: true };
  }

  // ratio is the frame a network's feed shows a file in (see the
  // server's previewFrame): X 16:9 for one image, squares for several;
  // Instagram and Facebook the file's own proportions within 4:5 to
  // 1.91:1, 9:16 for a story or reel; YouTube 16:9.
  function ratio(network, w, h, count, format) {
    if (network === "youtube") { return "16 / 9"; }
    if (network === "x") { return count > 1 ? "1 / 1" : "16 / 9"; }
    if (network === "instagram" && (format === "story" || format === "reel")) { return "9 / 16"; }
    if (!w || !h) { return "1 / 1"; }
    var r = Math.min(Math.max(w / h, 4 / 5), 1.91);
    return r.toFixed(4) + " / 1";
  }

  function updatePreviews() {
    var text = $("text").value;
    var link = $("link").value;
    var chosen = chosenNetworks();
    var items = list ? list.querySelectorAll(".media-item") : [];
    var first = items[0];
    document.querySelectorAll("#previews .pv").forEach(function (pv) {
      var n = pv.getAttribute("data-network");
      var own = $("ov_text_" + n);
      var body = (own && own.value) || text;
      var at = parseInt(pv.getAttribute("data-cut"), 10);
      var state = pv.querySelector(".pv-state");
      pv.classList.toggle("pv-unchosen", !chosen[n]);
      state.textContent = state.getAttribute(chosen[n] ? "data-chosen" : "data-unchosen");
      if (n === "youtube") {
        var title = ($("ov_title_youtube") || { value: "" }).value.trim();
        var t = cut(title, at);
        var tp = pv.querySelector(".pv-title");
        tp.textContent = title ? t.text + (t.cut ? "…" : "") : tp.getAttribute("data-empty");
        pv.querySelector(".pv-desc").textContent = withLink(body, link);
      } else {
        var c = cut(withLink(body, link), at);
        pv.querySelector(".pv-body").textContent = c.text;
        pv.querySelector(".pv-more").hidden = !c.cut;
      }
      var frame = pv.querySelector(".pv-frame");
      frame.hidden = !first && n !== "youtube";
      var format = n === "instagram" ? ($("ov_format_instagram") || { value: "" }).value : "";
      frame.textContent = "";
      if (first) {
        var video = /^video\//.test(first.getAttribute("data-mime"));
        var el = document.createElement(video ? "video" : "img");
        el.setAttribute("src", first.getAttribute("data-url"));
        if (video) {
          el.setAttribute("preload", "metadata");
          el.muted = true;
        } else {
          el.setAttribute("alt", "");
        }
        frame.appendChild(el);
        frame.style.aspectRatio = ratio(n, +first.getAttribute("data-width"), +first.getAttribute("data-height"), items.length, format);
      }
      var count = pv.querySelector(".pv-count");
      if (count) {
        count.hidden = items.length < 2;
        count.textContent = count.getAttribute("data-text").replace("NUM", String(items.length));
      }
    });
  }

  updatePreviews();
})();
