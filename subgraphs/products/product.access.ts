/**
 * The catalogue is public: anyone, signed in or not, may read any product. Changing it is not:
 * stock levels are set by admins, and stock is reserved only by the orders service (service role).
 */
import { requireAdmin, requireService, type Viewer } from '../../platform/viewer';
import { publicRow } from '../kit/loaders';

export const mayReadProduct = publicRow;

export const requireMayChangeStock = (viewer: Viewer): void => requireAdmin(viewer);

export const requireMayReserveStock = (viewer: Viewer): void => requireService(viewer);
