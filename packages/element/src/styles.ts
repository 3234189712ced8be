// Every colour and size comes from a custom property, so a page themes the element without ::part;
// ::part names the pieces for anything else. Dark follows the system unless theme="light|dark" says.
export const STYLES = `
:host{--_bg:var(--edge-inbox-bg,#fff);--_fg:var(--edge-inbox-fg,#1c1f24);--_muted:var(--edge-inbox-muted,#5e6673);--_border:var(--edge-inbox-border,#dde1e6);--_accent:var(--edge-inbox-accent,#3b5bdb);--_badge:var(--edge-inbox-badge,#d6336c);--_unread:var(--edge-inbox-unread-bg,#f1f4ff);--_high:var(--edge-inbox-high,#c2410c);--_critical:var(--edge-inbox-critical,#c92a2a);
display:inline-block;position:relative;font:var(--edge-inbox-font,14px/1.4 system-ui,sans-serif);color:var(--_fg)}
@media (prefers-color-scheme:dark){:host(:not([theme=light])){--_bg:var(--edge-inbox-bg,#1d2026);--_fg:var(--edge-inbox-fg,#e9ecef);--_muted:var(--edge-inbox-muted,#9aa3ad);--_border:var(--edge-inbox-border,#363b44);--_accent:var(--edge-inbox-accent,#91a7ff);--_unread:var(--edge-inbox-unread-bg,#262c3d);--_high:var(--edge-inbox-high,#ffa94d);--_critical:var(--edge-inbox-critical,#ff8787)}}
:host([theme=dark]){--_bg:var(--edge-inbox-bg,#1d2026);--_fg:var(--edge-inbox-fg,#e9ecef);--_muted:var(--edge-inbox-muted,#9aa3ad);--_border:var(--edge-inbox-border,#363b44);--_accent:var(--edge-inbox-accent,#91a7ff);--_unread:var(--edge-inbox-unread-bg,#262c3d);--_high:var(--edge-inbox-high,#ffa94d);--_critical:var(--edge-inbox-critical,#ff8787)}
button{font:inherit;color:inherit;cursor:pointer}
:focus-visible{outline:2px solid var(--_accent);outline-offset:2px}
[hidden]{display:none!important}
.bell{position:relative;display:grid;place-items:center;width:40px;height:40px;border:1px solid var(--_border);border-radius:50%;background:var(--_bg)}
.badge{position:absolute;top:-4px;right:-4px;min-width:18px;padding:0 5px;border-radius:9px;background:var(--_badge);color:#fff;font-size:11px;font-weight:700;line-height:18px;box-sizing:border-box}
.panel{position:absolute;z-index:10;top:48px;right:0;width:var(--edge-inbox-width,360px);max-width:calc(100vw - 16px);max-height:var(--edge-inbox-height,480px);display:flex;flex-direction:column;background:var(--_bg);border:1px solid var(--_border);border-radius:var(--edge-inbox-radius,10px);box-shadow:0 8px 24px #0003;overflow:hidden}
:host([placement=left]) .panel{right:auto;left:0}
:host([inline]){display:block}:host([inline]) .bell{display:none}:host([inline]) .panel{position:static;width:auto;max-width:none;box-shadow:none}
header{display:flex;align-items:center;gap:8px;padding:10px 12px;border-bottom:1px solid var(--_border)}
h2{flex:1;margin:0;font-size:15px}
.link{border:0;background:none;color:var(--_accent);padding:4px}
.link:disabled{color:var(--_muted);cursor:default}
.note{margin:0;padding:16px 12px;color:var(--_muted);text-align:center}
.note.error{color:var(--_critical)}
ul{list-style:none;margin:0;padding:0;overflow-y:auto}
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
.ack{flex:none;align-self:start;width:28px;height:28px;border:1px solid var(--_border);border-radius:50%;background:var(--_bg);color:var(--_accent)}
footer{padding:8px 12px;border-top:1px solid var(--_border);font-size:13px}
footer label{display:flex;align-items:center;gap:8px;cursor:pointer}
footer input{width:18px;height:18px;margin:0;accent-color:var(--_accent)}
.hint{margin:4px 0 0;color:var(--_muted);font-size:12px}.hint:empty{display:none}
.more{margin:8px auto;border:1px solid var(--_border);border-radius:6px;background:var(--_bg);padding:4px 12px}
`;
export const VISUALLY_HIDDEN = '.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}.note:empty{display:none}';
