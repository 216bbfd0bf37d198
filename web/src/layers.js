// layers.js — deconfliction objects on the map at the map's time: operation volumes active
// then, protected sites valid then, movements under way then (their window holds the time),
// checkpoints on convoy routes, and hazards. Sites, movements and checkpoints: every page of GET /v1/sites and GET /v1/movements when
// the API has them, plus the ones this page notified or learnt of from notices (never
// anything the API did not answer this party). A movement not cleared (`cleared` false: a
// party whose areas its route crosses has not acknowledged it) is drawn dashed in red. A
// click on an operation, a movement or a hazard calls onSelect(kind, id) — unless a form
// owns the map's clicks (picking, drawing).
import L from 'leaflet';
import { api, has, pages, probe } from './api.js';
import { t, label } from './i18n.js';

const tv = (v) => Date.parse(v && v.value ? v.value : v);
const open = (v) => (v === null || v === undefined ? Infinity : Date.parse(v));

export function volumeLayer(vol, style) {
  const v = vol.volume || {};
  if (v.outline_circle) {
    const c = v.outline_circle.center;
    return L.circle([c.lat, c.lng], { radius: v.outline_circle.radius.value, ...style });
  }
  if (v.outline_polygon) return L.polygon(v.outline_polygon.vertices.map((p) => [p.lat, p.lng]), style);
  return null;
}

export const volumeActive = (vol, ms) => tv(vol.time_start) <= ms && ms < tv(vol.time_end);
export const activeAt = (op, ms) => (op.volumes || []).some((vol) => volumeActive(vol, ms));
// The API's `at` rules: a site valid then, a movement whose window holds the time.
export const siteAt = (p, ms) => Date.parse(p.valid_from) <= ms && ms < open(p.valid_to);
export const movementAt = (p, ms) => Date.parse(p.time_start) <= ms && ms < Date.parse(p.time_end);
// The first start of an operation.
export const operationStart = (op) => Math.min(...(op.volumes || []).map((v) => tv(v.time_start)));

// Cleared (or no clearance needed): solid orange; not cleared: dashed red.
export function movementStyle(p) {
  const weight = Math.max(3, Math.min(14, (p.width_m || 500) / 100));
  if (p.cleared === false) return { color: '#d7191c', weight, opacity: 0.9, dashArray: '10 8', className: 'not-cleared' };
  return { color: '#ff7f00', weight, opacity: 0.8 };
}

export class DeconflictLayers {
  constructor(view, renderer, onSelect = () => {}) {
    this.view = view;
    this.onSelect = (kind, id) => { if (!view.busy()) onSelect(kind, id); };
    this.renderer = renderer;
    this.ops = [];
    this.sites = new Map();
    this.movements = new Map();
    this.hazards = new Map();
    this.checkpoints = new Map();
    this.opLayer = L.layerGroup();
    this.siteLayer = L.geoJSON(null, {
      renderer,
      pointToLayer: (f, ll) => L.circle(ll, { radius: f.properties.radius_m || 100, renderer }),
      style: { color: '#6a3d9a', weight: 2, fillOpacity: 0.25 },
      onEachFeature: (f, l) => l.bindTooltip(() => t('site.tooltip', { id: f.properties.id, name: f.properties.name,
        kind: label('siteKind', f.properties.kind), owner: f.properties.owner })),
    });
    this.movementLayer = L.geoJSON(null, {
      renderer,
      style: (f) => movementStyle(f.properties),
      onEachFeature: (f, l) => {
        const p = f.properties;
        l.bindTooltip(() => t(p.cleared === false ? 'movement.tooltipNotCleared' : 'movement.tooltip',
          { id: p.id, name: p.name || label('movementKind', p.kind), status: label('movementStatus', p.status) }));
        l.on('click', () => this.onSelect('movement', p.id));
      },
    });
    this.hazardLayer = L.geoJSON(null, {
      renderer,
      style: (f) => ({ color: '#000', fillColor: '#ffd92f', weight: 1, fillOpacity: f.properties.status === 'open' ? 0.6 : 0.2 }),
      onEachFeature: (f, l) => {
        l.bindTooltip(() => t('hazard.tooltip', { id: f.properties.id, name: f.properties.name || label('hazardKind', f.properties.kind),
          status: label('hazardStatus', f.properties.status) }));
        l.on('click', () => this.onSelect('hazard', f.properties.id));
      },
    });
    // Checkpoints (manned crossing points) have no time of their own: all are shown.
    this.checkpointLayer = L.geoJSON(null, {
      renderer,
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 6, renderer }),
      style: { color: '#1f78b4', weight: 2, fillColor: '#ffffff', fillOpacity: 0.9 },
      onEachFeature: (f, l) => l.bindTooltip(() => t('checkpoint.tooltip', { id: f.properties.id, name: f.properties.name,
        party: f.properties.controlled_by })),
    });
    view.add('operations', this.opLayer, '#b15928');
    view.add('sites', this.siteLayer, '#6a3d9a');
    view.add('movements', this.movementLayer, '#ff7f00');
    if (has('GET', '/v1/hazards')) view.add('hazards', this.hazardLayer, '#ffd92f');
    if (has('GET', '/v1/checkpoints')) view.add('checkpoints', this.checkpointLayer, '#1f78b4');
  }

  async load(ms) {
    this.ops = await pages('/v1/operations');
    if (has('GET', '/v1/sites')) for (const s of await pages('/v1/sites', { key: 'features' })) this.sites.set(s.properties.id, s);
    if (has('GET', '/v1/movements')) for (const m of await pages('/v1/movements', { key: 'features' })) this.movements.set(m.properties.id, m);
    if (has('GET', '/v1/checkpoints')) for (const k of await pages('/v1/checkpoints', { key: 'features' })) this.checkpoints.set(k.properties.id, k);
    await this.loadHazards();
    this.redraw(ms);
  }

  async loadHazards() {
    const hz = await probe('/v1/hazards', '/v1/hazards?limit=1000');
    if (!hz) return;
    for (const f of hz.features || hz.items || []) if (f && f.geometry) this.hazards.set(f.properties.id, f);
  }

  addOperation(op) { this.ops.push(op); this.redraw(this.at); }
  // An operation as answered after a change of state.
  updateOperation(op) {
    const i = this.ops.findIndex((o) => o.id === op.id);
    if (i >= 0) this.ops[i] = { ...this.ops[i], state: op.state }; else this.ops.push(op);
    this.redraw(this.at);
  }
  addSite(f) { this.sites.set(f.properties.id, f); this.redraw(this.at); }
  addMovement(f) { this.movements.set(f.properties.id, f); this.redraw(this.at); }
  addHazard(f) { this.hazards.set(f.properties.id, f); this.redraw(this.at); }

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
    if (about.type === 'operation' && n.payload && n.payload.operation && !this.ops.some((o) => o.id === about.id)) {
      this.addOperation(n.payload.operation);
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
        if (!volumeActive(vol, ms)) continue;
        const l = volumeLayer(vol, { renderer: this.renderer, color: '#b15928', weight: 2, fillOpacity: 0.2 });
        if (!l) continue;
        l.bindTooltip(() => t('operation.tooltip', { id: op.id, kind: label('opKind', op.kind), owner: op.owner, state: label('opState', op.state) }))
          .addTo(this.opLayer);
        l.on('click', () => this.onSelect('operation', op.id));
      }
    }
    this.view.setCount('operations', n);
    const sites = [...this.sites.values()].filter((f) => siteAt(f.properties, ms));
    this.siteLayer.clearLayers();
    this.siteLayer.addData(sites);
    this.view.setCount('sites', sites.length);
    const mv = [...this.movements.values()].filter((f) => movementAt(f.properties, ms));
    this.movementLayer.clearLayers();
    this.movementLayer.addData(mv);
    this.view.setCount('movements', mv.length);
    this.hazardLayer.clearLayers();
    this.hazardLayer.addData([...this.hazards.values()]);
    this.view.setCount('hazards', this.hazards.size);
    this.checkpointLayer.clearLayers();
    this.checkpointLayer.addData([...this.checkpoints.values()]);
    this.view.setCount('checkpoints', this.checkpoints.size);
  }
}
