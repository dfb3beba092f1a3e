// The board's map (Leaflet), in its own chunk: loaded only when a tile source is configured.
// Jobs are circles coloured by severity, technicians' home bases squares-ish (smaller, blue);
// vector markers, so no marker images are fetched; the view fits every marker.
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';

export interface MapMarkers {
  jobs: { lat: number; lon: number; label: string; severity: string }[];
  technicians: { lat: number; lon: number; label: string }[];
}

const SEVERITY_COLOR: Record<string, string> = {
  critical: '#f85149',
  high: '#f85149',
  medium: '#d29922',
  low: '#3fb950',
};

export function createJobMap(
  holder: HTMLElement,
  tileUrl: string,
  attribution: string,
  markers: () => MapMarkers,
): { redraw(): void; destroy(): void } {
  const map = L.map(holder, { attributionControl: true, zoomControl: true }).setView([-2.5, 118], 5);
  // Plain text: the attribution is the operator's setting, never markup.
  map.attributionControl.setPrefix(false);
  const tiles = L.tileLayer(tileUrl, { maxZoom: 18 });
  tiles.getAttribution = () => attribution.replace(/[<>&]/g, '');
  tiles.addTo(map);
  const layer = L.layerGroup().addTo(map);
  let fitted = '';
  const redraw = () => {
    layer.clearLayers();
    const m = markers();
    const points: L.LatLngExpression[] = [];
    for (const j of m.jobs) {
      const c = SEVERITY_COLOR[j.severity] ?? '#d29922';
      L.circleMarker([j.lat, j.lon], { radius: 8, color: c, fillColor: c, fillOpacity: 0.7, className: 'map-job' })
        .bindTooltip(j.label)
        .addTo(layer);
      points.push([j.lat, j.lon]);
    }
    for (const x of m.technicians) {
      L.circleMarker([x.lat, x.lon], {
        radius: 5,
        color: '#58a6ff',
        fillColor: '#58a6ff',
        fillOpacity: 0.9,
        className: 'map-technician',
      })
        .bindTooltip(x.label)
        .addTo(layer);
      points.push([x.lat, x.lon]);
    }
    // Fit the view when the set of places changes, not on every live update (the planner may have panned).
    const key = points.map((p) => String(p)).join('|');
    if (points.length && key !== fitted) {
      fitted = key;
      map.fitBounds(L.latLngBounds(points).pad(0.2), { maxZoom: 12 });
    }
  };
  redraw();
  return { redraw, destroy: () => map.remove() };
}
