// The open fault reports as a map layer that can be switched on (being built).

export class ReportsLayer {
  // eslint-disable-next-line no-unused-vars
  constructor(map, legendContainer) {}
}
