/* Agent desk: live queue and conversation through Server-Sent Events, forms via fetch.
 * Shopper, bot and agent text is only ever set with textContent / createElement:
 * never innerHTML, so a "<script>" typed by a shopper stays text. */
(function () {
  "use strict";

  var body = document.body;
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function flash(message, isError) {
    var box = document.getElementById("flash");
    if (!box) return;
    box.textContent = message;
    box.className = isError ? "flash error" : "flash";
    box.hidden = !message;
  }

  function waited(since) {
    var seconds = Math.max(0, Math.floor(Date.now() / 1000 - since));
    var minutes = Math.floor(seconds / 60);
    if (minutes >= 60) return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
    if (minutes >= 1) return minutes + " min " + (seconds % 60) + " s";
    return seconds + " s";
  }

  function tickWaiting() {
    var cells = document.querySelectorAll("td.waiting[data-since]");
    for (var i = 0; i < cells.length; i++) {
      cells[i].textContent = waited(parseFloat(cells[i].getAttribute("data-since")));
    }
  }

  function liveState(text) {
    var node = document.getElementById("live-state");
    if (node) node.textContent = text;
  }

  function stream(url, handlers) {
    var source = new EventSource(url);
    source.onopen = function () { liveState("Live"); };
    source.onerror = function () { liveState("Reconnecting…"); };
    source.addEventListener("logout", function () {
      source.close();
      window.location.assign("/desk/login");
    });
    Object.keys(handlers).forEach(function (name) {
      source.addEventListener(name, function (event) {
        handlers[name](JSON.parse(event.data));
      });
    });
    return source;
  }

  /* queue page */

  function renderQueue(snapshot) {
    var rows = document.getElementById("queue-rows");
    if (!rows) return;
    var status = document.getElementById("desk-status");
    if (status) {
      status.textContent = snapshot.agents_online + " agent(s) online · hours " + snapshot.hours +
        " · " + (snapshot.open_now ? "open now" : "closed now");
    }
    rows.replaceChildren();
    if (!snapshot.items.length) {
      var empty = el("tr", "empty");
      var cell = el("td", null, "Nobody is waiting.");
      cell.colSpan = 6;
      empty.appendChild(cell);
      rows.appendChild(empty);
      return;
    }
    snapshot.items.forEach(function (item) {
      var row = el("tr");
      row.setAttribute("data-request-id", String(item.id));
      var wait = el("td", "waiting");
      wait.setAttribute("data-since", String(item.created_at));
      row.appendChild(wait);
      var reason = el("td");
      var link = el("a", null, item.trigger_label);
      link.href = "/desk/c/" + encodeURIComponent(String(item.id));
      reason.appendChild(link);
      reason.appendChild(el("div", "reason", item.reason));
      row.appendChild(reason);
      row.appendChild(el("td", null, item.customer));
      row.appendChild(el("td", null, item.channel));
      row.appendChild(el("td", "summary", item.summary));
      var agent = el("td");
      if (item.claimed_by) agent.textContent = item.claimed_by + (item.mine ? " (you)" : "");
      else agent.appendChild(el("em", null, "unclaimed"));
      row.appendChild(agent);
      rows.appendChild(row);
    });
    tickWaiting();
  }

  /* conversation page */

  var senderLabel = { user: "Shopper", bot: "Bot", system: "System" };

  var transcriptShown = false;

  function renderTranscript(payload) {
    var list = document.getElementById("transcript");
    if (!list) return;
    // follow the conversation unless the agent scrolled up to read
    var atBottom = !transcriptShown || list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    transcriptShown = true;
    list.replaceChildren();
    payload.lines.forEach(function (line) {
      var item = el("li", "line line-" + line.sender);
      var who = line.sender === "agent" ? line.agent + " (agent)" : (senderLabel[line.sender] || line.sender);
      item.appendChild(el("span", "who", who));
      item.appendChild(el("span", "text", line.text));
      if (line.note) item.appendChild(el("span", "note", line.note));
      list.appendChild(item);
    });
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  var shownState = null;

  function renderState(state) {
    var node = document.getElementById("claim-state");
    var key = state.status + "|" + state.claimed_by + "|" + state.mine;
    if (shownState !== null && shownState !== key) {
      // who holds it changed (another agent claimed, or it was handed back): redraw the page
      window.location.reload();
      return;
    }
    shownState = key;
    if (!node) return;
    if (state.status !== "open") node.textContent = "This request is closed.";
    else if (state.mine) node.textContent = "You hold this conversation: the bot is paused.";
    else if (state.claimed_by) node.textContent = "Taken by " + state.claimed_by + ".";
    else node.textContent = "Nobody holds this conversation yet.";
  }

  function renderProblem(problem) {
    var node = document.getElementById("transcript-error");
    if (!problem.error) {
      if (node) node.hidden = true;
      return;
    }
    if (!node) {
      node = el("p", "error");
      node.id = "transcript-error";
      node.setAttribute("role", "alert");
      var list = document.getElementById("transcript");
      if (list && list.parentNode) list.parentNode.insertBefore(node, list);
    }
    node.hidden = false;
    node.textContent = "Transcript unavailable: " + problem.error;
  }

  /* forms: POST with fetch, the CSRF token in a header, errors shown as text */

  function wireForms() {
    var forms = document.querySelectorAll("form.js-post");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var question = form.getAttribute("data-confirm");
        if (question && !window.confirm(question)) return;
        var button = form.querySelector("button[type=submit]");
        if (button) button.disabled = true;
        fetch(form.action, {
          method: "POST",
          body: new URLSearchParams(new FormData(form)),
          headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
          credentials: "same-origin"
        }).then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, data: data }; });
        }).then(function (result) {
          if (!result.ok) {
            flash(result.data.error || "Not done.", true);
            return;
          }
          if (form.getAttribute("data-reload")) { window.location.reload(); return; }
          if (form.getAttribute("data-clear")) {
            var area = form.querySelector("textarea");
            if (area) { area.value = ""; area.focus(); }
          }
          flash(result.data.message || "Done.", false);
        }).catch(function () {
          flash("The desk could not be reached; try again.", true);
        }).finally(function () {
          if (button) button.disabled = false;
        });
      });
    });
    var canned = document.querySelectorAll("button.canned-reply");
    Array.prototype.forEach.call(canned, function (button) {
      button.addEventListener("click", function () {
        var area = document.getElementById("reply-text");
        if (!area) return;
        area.value = button.getAttribute("data-text") || "";
        area.focus();
      });
    });
  }

  var page = body.getAttribute("data-page");
  wireForms();
  if (page === "queue") {
    tickWaiting();
    setInterval(tickWaiting, 1000);
    stream("/desk/stream", { queue: renderQueue });
  } else if (page === "conversation") {
    var id = body.getAttribute("data-request-id");
    var list = document.getElementById("transcript");
    if (list) list.scrollTop = list.scrollHeight;
    stream("/desk/c/" + encodeURIComponent(id) + "/stream", {
      transcript: renderTranscript,
      state: renderState,
      problem: renderProblem
    });
  }
})();
