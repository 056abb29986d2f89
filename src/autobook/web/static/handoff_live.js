// Live handoff: draw the held tab's frames, send taps, scrolls and typing back to it.
(() => {
  const screen = document.getElementById("screen");
  const keys = document.getElementById("keys");
  const state = document.getElementById("state");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/handoff/${screen.dataset.token}/ws`);
  let size = { width: 1, height: 1 };
  const send = (event) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(event));

  ws.onopen = () => { state.textContent = "Connected: the page below is live."; };
  ws.onclose = () => { state.textContent = "This payment link is closed."; };
  ws.onmessage = (message) => {
    const frame = JSON.parse(message.data);
    if (frame.type !== "frame") return;
    size = { width: frame.width, height: frame.height };
    screen.src = `data:image/jpeg;base64,${frame.data}`;
  };
  screen.addEventListener("click", (e) => {
    const box = screen.getBoundingClientRect();
    send({ type: "tap", x: (e.clientX - box.left) * size.width / box.width,
           y: (e.clientY - box.top) * size.height / box.height });
    keys.focus();  // so the phone's keyboard opens for the field just tapped
  });
  let lastY = null;
  screen.addEventListener("wheel", (e) => { e.preventDefault(); send({ type: "scroll", dy: e.deltaY }); });
  screen.addEventListener("touchmove", (e) => {
    const y = e.touches[0].clientY;
    if (lastY !== null) send({ type: "scroll", dy: lastY - y });
    lastY = y;
  });
  screen.addEventListener("touchend", () => { lastY = null; });
  keys.addEventListener("input", () => {
    if (keys.value) send({ type: "text", text: keys.value });
    keys.value = "";
  });
  keys.addEventListener("keydown", (e) => {
    if (["Backspace", "Enter", "Tab"].includes(e.key)) { e.preventDefault(); send({ type: "key", key: e.key }); }
  });
})();
