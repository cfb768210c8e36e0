package io.github.cdkmultiregion.consumer;

import io.github.cdkmultiregion.deliverypipeline.MultiRegionDeliveryPipeline;
import software.amazon.awscdk.App;

/** A consumer program's app and its pipeline, as the TypeScript examples' app functions return them. */
public record ConsumerApp(App app, MultiRegionDeliveryPipeline pipeline) {
}
