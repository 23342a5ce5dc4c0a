// The "print" button of printable documents. A file, not an inline handler: the Content Security Policy allows
// scripts from this site only.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
