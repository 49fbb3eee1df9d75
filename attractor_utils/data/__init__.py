"""Data: points of a given norm (:mod:`.points`), images (:mod:`.images`), the data kinds a run names
(:mod:`.registry`) and the values read off the papers' figures (:mod:`.published`)."""
from .images import (CIFAR10_ARCHIVE, CIFAR10_BATCH_MD5, CIFAR10_MD5, ChecksumError, DatasetNotFound, ImageData,
                     cifar10, cifar10_or_standin, image_folder, mnist, photo_patches, random_images)
from .points import check_cycle_len, cycle_ids, cycle_next_index, cycle_targets, orthant_points, sphere_points
from .registry import DATA_DIM, DATA_KINDS, POINT_KINDS, data_source, make_data, resolve_cifar
