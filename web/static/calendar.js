// Pregonero: drag and drop on the calendar. A post that is still waiting
// is dropped on another day and keeps its time: this fills the page's
// move form (with its csrf_token) and submits it, as the move form of the
// list view or of the post's page would. Without this file nothing is
// lost: those forms move posts too, by keyboard as well.
(function () {
  "use strict";
  var form = document.getElementById("calendar-move");
  if (!form || !("draggable" in document.createElement("span"))) {
    return;
  }
  var status = document.getElementById("calendar-status");
  var hint = document.querySelector(".cal-drag-hint");
  var dragged = null;

  function say(text) {
    if (status && text) {
      status.textContent = text;
    }
  }

  var entries = document.querySelectorAll(".cal [data-move]");
  if (entries.length === 0) {
    return;
  }
  if (hint) {
    hint.hidden = false;
  }
  Array.prototype.forEach.call(entries, function (entry) {
    entry.setAttribute("draggable", "true");
    entry.classList.add("movable");
    Array.prototype.forEach.call(entry.querySelectorAll("a"), function (a) {
      a.setAttribute("draggable", "false");
    });
    entry.addEventListener("dragstart", function (ev) {
      dragged = entry;
      entry.classList.add("dragging");
      if (ev.dataTransfer) {
        ev.dataTransfer.effectAllowed = "move";
        ev.dataTransfer.setData("text/plain", entry.getAttribute("data-move"));
      }
      say(status && status.getAttribute("data-picked"));
    });
    entry.addEventListener("dragend", function () {
      entry.classList.remove("dragging");
      dragged = null;
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll(".cal [data-date]"), function (day) {
    day.addEventListener("dragover", function (ev) {
      if (!dragged) {
        return;
      }
      ev.preventDefault();
      if (ev.dataTransfer) {
        ev.dataTransfer.dropEffect = "move";
      }
      day.classList.add("drop-target");
    });
    day.addEventListener("dragleave", function (ev) {
      if (!ev.relatedTarget || !day.contains(ev.relatedTarget)) {
        day.classList.remove("drop-target");
      }
    });
    day.addEventListener("drop", function (ev) {
      ev.preventDefault();
      day.classList.remove("drop-target");
      var entry = dragged;
      if (!entry) {
        return;
      }
      var from = entry.parentNode;
      while (from && from !== document && !from.hasAttribute("data-date")) {
        from = from.parentNode;
      }
      var date = day.getAttribute("data-date");
      if (from === day || !date) {
        return;
      }
      form.setAttribute("action", entry.getAttribute("data-move"));
      form.elements.namedItem("fecha").value = date;
      form.elements.namedItem("hora").value = entry.getAttribute("data-time");
      var moving = status && status.getAttribute("data-moving");
      say(moving && moving.replace("%s", date + " " + entry.getAttribute("data-time")));
      form.submit();
    });
  });
})();
