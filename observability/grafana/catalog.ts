/** The platform's Grafana dashboards, each built from TypeScript (one module per dashboard). */
import type { Dashboard } from './kit';
import { build as partnerApi } from './partner-api';
import { build as platformOverview } from './platform-overview';
import { build as recommendations } from './recommendations';
import { build as subgraph } from './subgraph';

export const DASHBOARDS: (() => Dashboard)[] = [platformOverview, subgraph, recommendations, partnerApi];
