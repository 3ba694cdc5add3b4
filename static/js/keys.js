// The digit a key stands for, shared by the keyboard-driven screens (paper entry, needs).
//
// Read from the physical key (event.code) for the top row, so that it works on AZERTY keyboards, where that row
// gives « & é " ' ( - è _ ç à » without Shift and the digits with it; the numeric keypad counts only when Num Lock
// makes it type digits (otherwise its 2 and 8 are arrows). Keyboards whose event has no code fall back on the
// character typed.
(function () {
  "use strict";

  function digitOf(event) {
    var match = /^(Digit|Numpad)([0-9])$/.exec(event.code || "");
    if (match && (match[1] === "Digit" || /^[0-9]$/.test(event.key))) return match[2];
    if (!match && /^[0-9]$/.test(event.key)) return event.key;
    return null;
  }

  window.smdqKeys = { digitOf: digitOf };
})();
