// layers.js — deconfliction objects on the map: operation volumes (those active at the
// slider's time), protected sites, movements, and hazards once the centre serves them.
// Sites and movements: every page of GET /v1/sites and GET /v1/movements when the API has
// them, plus the ones this page notified or learnt of from notices (never anything the API
// did not answer this party). A movement not cleared (`cleared` false: a party whose areas
// its route crosses has not acknowledged it) is drawn dashed in red. A click on an operation
// or a movement calls onSelect(kind, id).
import L from 'leaflet';
import { api, has, pages, probe } from './api.js';

const t = (v) => Date.parse(v && v.value ? v.value : v);

export function volumeLayer(vol, style) {
  const v = vol.volume || {};
  if (v.outline_circle) {
    const c = v.outline_circle.center;
    return L.circle([c.lat, c.lng], { radius: v.outline_circle.radius.value, ...style });
  }
  if (v.outline_polygon) return L.polygon(v.outline_polygon.vertices.map((p) => [p.lat, p.lng]), style);
  return null;
}

export function activeAt(op, ms) {
  return (op.volumes || []).some((vol) => t(vol.time_start) <= ms && ms < t(vol.time_end));
}

// Cleared (or no clearance needed): solid orange; not cleared: dashed red.
export function movementStyle(p) {
  const weight = Math.max(3, Math.min(14, (p.width_m || 500) / 100));
  if (p.cleared === false) return { color: '#d7191c', weight, opacity: 0.9, dashArray: '10 8', className: 'not-cleared' };
  return { color: '#ff7f00', weight, opacity: 0.8 };
}

export class DeconflictLayers {
  constructor(view, renderer, onSelect = () => {}) {
    this.view = view;
    this.onSelect = onSelect;
    this.renderer = renderer;
    this.ops = [];
    this.sites = new Map();
    this.movements = new Map();
    this.opLayer = L.layerGroup();
    this.siteLayer = L.geoJSON(null, {
      renderer,
      pointToLayer: (f, ll) => L.circle(ll, { radius: f.properties.radius_m || 100, renderer }),
      style: { color: '#6a3d9a', weight: 2, fillOpacity: 0.25 },
      onEachFeature: (f, l) => l.bindTooltip(`Site ${f.properties.id}: ${f.properties.name} (${f.properties.kind}, ${f.properties.owner})`),
    });
    this.movementLayer = L.geoJSON(null, {
      renderer,
      style: (f) => movementStyle(f.properties),
      onEachFeature: (f, l) => {
        const p = f.properties;
        l.bindTooltip(`Movement ${p.id}: ${p.name || p.kind} (${p.status || ''}${p.cleared === false ? ', not cleared' : ''})`);
        l.on('click', () => this.onSelect('movement', p.id));
      },
    });
    view.add('operations', 'Operation volumes (active)', this.opLayer, '#b15928');
    view.add('sites', 'Protected sites', this.siteLayer, '#6a3d9a');
    view.add('movements', 'Movements', this.movementLayer, '#ff7f00');
  }

  async load(ms) {
    this.ops = await pages('/v1/operations');
    if (has('GET', '/v1/sites')) for (const s of await pages('/v1/sites', { key: 'features' })) this.sites.set(s.properties.id, s);
    if (has('GET', '/v1/movements')) for (const m of await pages('/v1/movements', { key: 'features' })) this.movements.set(m.properties.id, m);
    this.redraw(ms);
    await this.hazards();
  }

  addOperation(op, ms) { this.ops.push(op); this.redraw(ms); }
  // An operation as answered after a change of state (or a movement as GET answers it).
  updateOperation(op) {
    const i = this.ops.findIndex((o) => o.id === op.id);
    if (i >= 0) this.ops[i] = { ...this.ops[i], state: op.state }; else this.ops.push(op);
    this.redraw(this.at);
  }
  addSite(f) { this.sites.set(f.properties.id, f); this.redraw(this.at); }
  addMovement(f) { this.movements.set(f.properties.id, f); this.redraw(this.at); }

  // Objects a notice carries in full (kind site/movement: the object as its GET answers it).
  // A movement is then read again (GET /v1/movements/{id}, for its clearance, which the
  // payload does not carry), as is one already on the layer when a `state` notice is about it.
  fromNotice(n) {
    const about = n.about || {};
    if (about.type === 'movement' && (n.kind === 'movement' || this.movements.has(about.id)) && has('GET', '/v1/movements/{id}')) {
      api(`/v1/movements/${about.id}`).then((m) => this.addMovement(m)).catch(() => {
        if (n.kind === 'movement' && n.payload && n.payload.geometry) this.addMovement(n.payload);
      });
      return;
    }
    if (!n.payload || !n.payload.properties || !n.payload.geometry) return;
    if (n.kind === 'site') this.addSite(n.payload);
    if (n.kind === 'movement') this.addMovement(n.payload);
  }

  redraw(ms) {
    this.at = ms;
    this.opLayer.clearLayers();
    let n = 0;
    for (const op of this.ops) {
      if (!activeAt(op, ms)) continue;
      n++;
      for (const vol of op.volumes) {
        if (!(t(vol.time_start) <= ms && ms < t(vol.time_end))) continue;
        const l = volumeLayer(vol, { renderer: this.renderer, color: '#b15928', weight: 2, fillOpacity: 0.2 });
        if (!l) continue;
        l.bindTooltip(`Operation ${op.id}: ${op.kind} by ${op.owner}${op.state ? ` (${op.state})` : ''}`).addTo(this.opLayer);
        l.on('click', () => this.onSelect('operation', op.id));
      }
    }
    this.view.setCount('operations', n);
    this.siteLayer.clearLayers();
    this.siteLayer.addData([...this.sites.values()]);
    this.view.setCount('sites', this.sites.size);
    this.movementLayer.clearLayers();
    this.movementLayer.addData([...this.movements.values()]);
    this.view.setCount('movements', this.movements.size);
  }

  // Hazards (mine action): a layer only when GET /v1/hazards answers this party.
  async hazards() {
    const hz = await probe('/v1/hazards', '/v1/hazards?limit=1000');
    if (!hz) return;
    const feats = hz.features || hz.items || [];
    const layer = L.geoJSON(feats.filter((f) => f && f.geometry), {
      renderer: this.renderer,
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 6, renderer: this.renderer }),
      style: { color: '#000', fillColor: '#ffd92f', weight: 1, fillOpacity: 0.6 },
      onEachFeature: (f, l) => l.bindTooltip(`Hazard ${f.properties && (f.properties.name || f.properties.id)}`),
    });
    this.view.add('hazards', 'Hazards', layer, '#ffd92f');
    this.view.setCount('hazards', layer.getLayers().length);
  }
}
