/* Unsaved drafts of the route sheet's outcome forms (README, "Personal data").

   A visit takes 30-50 minutes and the session ends after 30 idle minutes, so the result a
   team member types after a visit can come back refused ("画面の有効期限が切れました").
   What is typed into each outcome form is therefore kept in this browser tab's
   sessionStorage (never localStorage: the memo may hold personal notes, and sessionStorage
   ends with the tab), keyed by the user and the form's action URL. It is put back when the
   sheet is shown again (after logging in again), dropped when the server confirms the save
   (the note beside the stop names the form's action), when it equals what the server shows,
   and on log-out (base.html). */
(function () {
  "use strict";
  var PREFIX = "route-sheet-draft:";
  var RESTORED = "保存されていない入力を戻しました。内容を確かめて保存してください。";
  var sheet = document.querySelector("[data-draft-user]");
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }
  if (!sheet || !store) { return; }
  var user = sheet.getAttribute("data-draft-user");

  function keyOf(action) { return PREFIX + user + ":" + action; }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.type !== "submit" && el.type !== "button";
    });
  }

  function valuesOf(form) {
    var values = {};
    fields(form).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) { values[el.name] = el.value; }
        else if (!(el.name in values)) { values[el.name] = ""; }
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function put(form, values) {
    fields(form).forEach(function (el) {
      if (!(el.name in values)) { return; }
      if (el.type === "radio" || el.type === "checkbox") { el.checked = values[el.name] === el.value; }
      else { el.value = values[el.name]; }
    });
  }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function read(key) {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }

  // The server confirmed these saves: their drafts are done with.
  document.querySelectorAll("[data-saved-action]").forEach(function (note) {
    store.removeItem(keyOf(note.getAttribute("data-saved-action")));
  });

  var restored = [];
  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    var key = keyOf(form.getAttribute("action"));
    var shown = valuesOf(form);  // what the server put in the form
    var draft = read(key);
    if (draft && draft.values && !same(draft.values, shown)) {
      put(form, draft.values);
      restored.push(form);
    } else if (draft) {
      store.removeItem(key);
    }
    function keep(event) {
      var now = valuesOf(form);
      // Sent as is, it is kept too: the save may still be refused (a re-shown form's values
      // are what was typed, not what is saved).
      if (event.type !== "submit" && same(now, shown)) { store.removeItem(key); return; }
      try { store.setItem(key, JSON.stringify({ values: now, at: Date.now() })); } catch (e) { /* full: nothing kept */ }
    }
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    form.addEventListener("submit", keep);
  });

  restored.forEach(function (form) {
    var details = form.closest("details");
    if (details) { details.open = true; }
    var note = document.createElement("p");
    note.className = "draft-note";
    note.setAttribute("role", "alert");
    note.textContent = RESTORED;
    form.insertBefore(note, form.firstChild);
  });
  if (restored.length) {
    var top = document.createElement("div");
    top.className = "flash warning draft-restored";
    top.setAttribute("role", "alert");
    top.textContent = RESTORED;
    sheet.parentNode.insertBefore(top, sheet);
  }

  // After a save the confirmation sits beside the stop; on a phone the stop's card is taller
  // than the screen, so bring the confirmation itself into view.
  window.addEventListener("load", function () {
    var target = document.querySelector(".saved-note") || (restored[0] && restored[0].querySelector(".draft-note"));
    if (target) { target.scrollIntoView({ block: "center" }); }
  });
}());
