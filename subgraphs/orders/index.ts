import { runStandalone } from '../kit/standalone';
import { ordersSubgraph } from './subgraph';

void runStandalone(ordersSubgraph);
