// Every colour and size comes from a custom property, so a page themes the element without ::part;
// ::part names the pieces for anything else. Dark follows the system unless theme="light|dark" says.
// The badge stays inside the bell's box: a bell at the page's right edge must not make the page scroll sideways.
// Below 480 px the panel is a sheet along the bottom (inside the safe areas, at most the visible height: dvh) over a
// scrim; above, the element places it (place.ts). Under a coarse pointer every button's box is at least 44 × 44.
/** Where the panel is a sheet rather than a popover (the element also asks, to tell a screen reader it is modal). */
export const SHEET = '(max-width:479.98px)';

export const STYLES = `
:host{--_bg:var(--edge-inbox-bg,#fff);--_fg:var(--edge-inbox-fg,#1c1f24);--_muted:var(--edge-inbox-muted,#5e6673);--_border:var(--edge-inbox-border,#dde1e6);--_accent:var(--edge-inbox-accent,#3b5bdb);--_badge:var(--edge-inbox-badge,#d6336c);--_unread:var(--edge-inbox-unread-bg,#f1f4ff);--_high:var(--edge-inbox-high,#c2410c);--_critical:var(--edge-inbox-critical,#c92a2a);
display:inline-block;position:relative;font:var(--edge-inbox-font,14px/1.4 system-ui,sans-serif);color:var(--_fg)}
@media (prefers-color-scheme:dark){:host(:not([theme=light])){--_bg:var(--edge-inbox-bg,#1d2026);--_fg:var(--edge-inbox-fg,#e9ecef);--_muted:var(--edge-inbox-muted,#9aa3ad);--_border:var(--edge-inbox-border,#363b44);--_accent:var(--edge-inbox-accent,#91a7ff);--_unread:var(--edge-inbox-unread-bg,#262c3d);--_high:var(--edge-inbox-high,#ffa94d);--_critical:var(--edge-inbox-critical,#ff8787)}}
:host([theme=dark]){--_bg:var(--edge-inbox-bg,#1d2026);--_fg:var(--edge-inbox-fg,#e9ecef);--_muted:var(--edge-inbox-muted,#9aa3ad);--_border:var(--edge-inbox-border,#363b44);--_accent:var(--edge-inbox-accent,#91a7ff);--_unread:var(--edge-inbox-unread-bg,#262c3d);--_high:var(--edge-inbox-high,#ffa94d);--_critical:var(--edge-inbox-critical,#ff8787)}
button{font:inherit;color:inherit;cursor:pointer;-webkit-tap-highlight-color:#0000}button:active{opacity:.7}
:focus-visible{outline:2px solid var(--_accent);outline-offset:2px}
[hidden]{display:none!important}
.bell{position:relative;display:grid;place-items:center;width:40px;height:40px;padding:0;border:1px solid var(--_border);border-radius:50%;background:var(--_bg)}
.badge{position:absolute;top:-2px;right:0;min-width:18px;padding:0 5px;border-radius:9px;background:var(--_badge);color:#fff;font-size:11px;font-weight:700;line-height:18px;box-sizing:border-box}
.panel{box-sizing:border-box;position:fixed;z-index:2147483000;inset:var(--_top,auto) auto var(--_bottom,auto) var(--_left,8px);margin:0;padding:0;color:inherit;width:min(var(--edge-inbox-width,360px),calc(100% - 16px));height:auto;max-height:min(var(--edge-inbox-height,480px),var(--_room,100vh));display:flex;flex-direction:column;background:var(--_bg);border:1px solid var(--_border);border-radius:var(--edge-inbox-radius,10px);box-shadow:0 8px 24px #0003;overflow:hidden;overscroll-behavior:contain}
:host([inline]){display:block}:host([inline]) .bell{display:none}:host([inline]) .panel{position:static;width:auto;max-height:var(--edge-inbox-height,480px);box-shadow:none}
.scrim{display:none;position:fixed;inset:0;width:auto;height:auto;margin:0;padding:0;border:0;background:#0006;touch-action:none}
.close{display:none;border:0;background:none;font-size:22px;line-height:1;padding:0 4px}
@media ${SHEET}{:host(:not([inline])) .panel{inset:auto 0 0;width:auto;max-height:calc(100vh - 48px);max-height:calc(100dvh - env(safe-area-inset-top,0px) - 48px);padding:0 env(safe-area-inset-right,0px) env(safe-area-inset-bottom,0px) env(safe-area-inset-left,0px);border-width:1px 0 0;border-radius:var(--edge-inbox-radius,10px) var(--edge-inbox-radius,10px) 0 0;touch-action:none}
:host(:not([inline])) .close{display:grid;place-items:center}.scrim{display:block}}
header{display:flex;align-items:center;gap:8px;padding:10px 12px;border-bottom:1px solid var(--_border)}
h2{flex:1;margin:0;font-size:15px}
.link{border:0;background:none;color:var(--_accent);padding:4px;white-space:nowrap}
.link:disabled{color:var(--_muted);cursor:default}
.note{margin:0;padding:16px 12px;color:var(--_muted);text-align:center}
.note.error{color:var(--_critical)}
ul{list-style:none;margin:0;padding:0;overflow-y:auto;overscroll-behavior:contain;touch-action:pan-y}
li{display:flex;gap:10px;padding:10px 12px;border-bottom:1px solid var(--_border)}
li[data-status=pending]{background:var(--_unread)}
li:focus-visible{outline:2px solid var(--_accent);outline-offset:-2px}
.icon{flex:none;display:grid;place-items:center;width:32px;height:32px;border-radius:50%;background:var(--_border);font-size:16px;overflow:hidden}
.icon img{width:100%;height:100%;object-fit:cover}
.main{flex:1;min-width:0}
.title{margin:0;font-weight:600;overflow-wrap:anywhere}
.body{margin:2px 0 0;overflow-wrap:anywhere;white-space:pre-line}
.meta{margin:4px 0 0;font-size:12px;color:var(--_muted);display:flex;flex-wrap:wrap;gap:8px}
.meta a{color:var(--_accent)}
.priority{font-size:11px;font-weight:700;text-transform:uppercase;margin-left:6px;color:var(--_high)}
[data-priority=critical] .priority{color:var(--_critical)}
.ack{flex:none;align-self:start;width:28px;height:28px;padding:0;border:1px solid var(--_border);border-radius:50%;background:var(--_bg);color:var(--_accent)}
footer{padding:8px 12px;border-top:1px solid var(--_border);font-size:13px}
.switch{display:flex;align-items:center;justify-content:space-between;gap:12px;width:100%;min-height:32px;padding:0;border:0;background:none;text-align:start}
.switch i{flex:none;position:relative;width:36px;height:20px;border-radius:10px;background:var(--_muted)}
.switch i::after{content:"";position:absolute;top:2px;left:2px;width:16px;height:16px;border-radius:50%;background:#fff;transition:transform .15s}
.switch[aria-checked=true] i{background:var(--_accent)}.switch[aria-checked=true] i::after{transform:translateX(16px)}
.switch:disabled{cursor:default;opacity:.6}
.hint{margin:4px 0 0;color:var(--_muted);font-size:12px}.hint:empty{display:none}
.more{flex:none;margin:8px auto;border:1px solid var(--_border);border-radius:6px;background:var(--_bg);padding:4px 12px}
@media (pointer:coarse){.bell,.close{width:44px;height:44px}header{padding-block:0}.link,.more{min-height:44px;min-width:44px}.switch{min-height:44px}
.ack{width:44px;height:44px;margin:-8px -8px -8px 0;border:0;background:radial-gradient(circle,var(--_bg) 13px,var(--_border) 13.5px 14px,#0000 14.5px)}
.meta a{display:inline-flex;align-items:center;min-width:44px;min-height:44px;margin:-14px 0}li{padding-bottom:14px}}
`;
export const VISUALLY_HIDDEN = '.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}.note:empty{display:none}';
