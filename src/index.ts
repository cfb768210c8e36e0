export * from './artifact-stores';
export * from './deployment-plan';
export * from './deployment-window';
export * from './multi-region-delivery-pipeline';
export * from './pipeline-build';
export * from './pipeline-source';
export * from './region-target';
