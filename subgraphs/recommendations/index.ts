import { runStandalone } from '../kit/standalone';
import { recommendationsSubgraph } from './subgraph';

void runStandalone(recommendationsSubgraph);
