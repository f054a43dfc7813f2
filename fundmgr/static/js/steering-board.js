// The live meeting board: polls the board's JSON every 2.5 s and swaps in the new board when it changed.
// Without this file the board is a page to reload (it has a Refresh link).
"use strict";
(function () {
  const board = document.getElementById("board");
  if (!board || !board.dataset.boardUrl) {
    return;
  }
  const status = document.getElementById("board-status");
  const announce = document.getElementById("board-announce");
  const INTERVAL = 2500;
  let revision = board.dataset.revision;

  function say(text) {
    if (status && status.textContent !== text) {
      status.textContent = text;
    }
  }

  // What a member has begun to answer in the position form (a stance, a reservation's text) survives the swap.
  function markTouched(event) {
    const form = event.target.closest && event.target.closest("#position-form");
    if (form) {
      form.dataset.touched = "1";
    }
  }
  board.addEventListener("input", markTouched);
  board.addEventListener("change", markTouched);

  function answerInProgress() {
    const form = document.getElementById("position-form");
    if (!form || !form.dataset.touched) {
      return [];
    }
    return Array.from(form.elements)
      .filter((field) => field.id)
      .map((field) => [field.id, field.type === "radio" || field.type === "checkbox" ? field.checked : field.value]);
  }

  function restoreAnswer(fields) {
    for (const [id, value] of fields) {
      const field = document.getElementById(id);
      if (field && typeof value === "boolean") {
        field.checked = value;
      } else if (field) {
        field.value = value;
      }
    }
    const form = document.getElementById("position-form");
    if (form && fields.length) {
      form.dataset.touched = "1";
    }
  }

  function swap(html) {
    // keep the keyboard where it was: refocus the element with the same id after the swap
    const focused = document.activeElement && board.contains(document.activeElement) ? document.activeElement.id : "";
    const answer = answerInProgress();
    board.innerHTML = html;
    restoreAnswer(answer);
    if (focused) {
      const again = document.getElementById(focused);
      if (again) {
        again.focus();
      }
    }
  }

  async function poll() {
    try {
      const url = board.dataset.boardUrl + "?since=" + encodeURIComponent(revision);
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.status === 401 || response.status === 403 || response.status === 404) {
        return; // signed out or no longer allowed: stop polling, the Refresh link says the rest
      }
      if (response.ok) {
        const data = await response.json();
        if (!data.unchanged && data.revision !== revision) {
          swap(data.html);
          if (announce && data.announce) {
            announce.textContent = data.announce; // read out by screen readers: the board itself is replaced
          }
          revision = data.revision;
          board.dataset.revision = revision;
        }
        say(board.dataset.liveText);
      } else {
        say(board.dataset.offlineText);
      }
    } catch (error) {
      say(board.dataset.offlineText);
    }
    window.setTimeout(poll, INTERVAL);
  }

  say(board.dataset.liveText);
  window.setTimeout(poll, INTERVAL);
})();
