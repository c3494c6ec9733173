import { runStandalone } from '../kit/standalone';
import { paymentsSubgraph } from './subgraph';

void runStandalone(paymentsSubgraph);
