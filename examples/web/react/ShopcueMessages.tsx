// A React component that renders Shopcue's messages with the site's own design system:
// Shopcue decides (render: false), React renders, and reports impressions, clicks and
// dismissals back so the dashboard's CTR and CVR stay right.
import { useEffect, useState } from 'react';
import { Shopcue, type Message } from 'shopcue';

export function ShopcueMessages({ site }: { site: string }) {
  const [shopcue, setShopcue] = useState<Shopcue | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  useEffect(() => {
    let alive = true;
    Shopcue.load({ site, config: '/shopcue/config.json', endpoint: '/collect', render: false }).then((s) => {
      if (!alive) return;
      setShopcue(s);
      s.on('message', (m) => { if (alive) setMessages((ms) => [...ms, m]); });
    });
    return () => { alive = false; };
  }, [site]);
  useEffect(() => {
    for (const m of messages) {
      try { shopcue?.impression(m.id); } catch { /* already counted */ }
    }
  }, [shopcue, messages]);
  const dismiss = (m: Message) => {
    shopcue?.dismiss(m.id);
    setMessages((ms) => ms.filter((x) => x.id !== m.id));
  };
  return (
    <div aria-live="polite">
      {messages.map((m) => (
        <aside key={m.id} data-scenario={m.scenario_id} className={`cue cue-${m.placement}`}>
          <strong>{m.title}</strong>
          {m.body && <p>{m.body}</p>}
          {m.cta && <a href={m.cta.url} onClick={() => shopcue?.click(m.id)}>{m.cta.label}</a>}
          <button type="button" aria-label="Close" onClick={() => dismiss(m)}>×</button>
        </aside>
      ))}
    </div>
  );
}
